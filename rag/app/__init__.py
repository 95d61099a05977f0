"""Stage ``app``: what people and scripts use. The one live-index holder (:mod:`rag.app.live`) behind both
the API functions (:mod:`rag.app.api`: ``rag.retrieve``, ``rag.answer``, ``rag.get_index``) and the chat
UI's backend (:mod:`rag.app.backend`: uploads, removals), the whole command line (:mod:`rag.app.cli`), and
what is shown: text (:mod:`rag.app.render_text`), HTML and Markdown (:mod:`rag.app.render_html`), error
messages by code (:mod:`rag.app.messages`). The Gradio page itself is ``ui.py`` at the repository root.

May import: every stage below it (core, ``ingest``, ``embed``, ``reader``, ``search``, ``index``,
``extract``, ``eval``) and ``vectorstore``. Nothing is imported here: ``import rag.app.cli`` stays cheap.
"""
