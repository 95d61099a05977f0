"""Stage ``app``: what people and scripts use. The one live-index holder (:mod:`rag.app.live`) behind both
the API functions (:mod:`rag.app.api`: ``rag.retrieve``, ``rag.answer``, ``rag.get_index``) and the chat
UI's backend (:mod:`rag.app.backend`: uploads, removals), the whole command line (:mod:`rag.app.cli`), and
what is shown: text (:mod:`rag.app.render_text`), HTML and Markdown (:mod:`rag.app.render_html`), error
messages by code (:mod:`rag.app.messages`), and the HTTP API over the same backend (:mod:`rag.app.http_api`:
REST under ``/api`` in :mod:`rag.app.rest_api`, OpenAI-compatible under ``/v1`` in :mod:`rag.app.openai_api`,
their bodies in :mod:`rag.app.schemas` and :mod:`rag.app.openai_schemas`, pools and checks in
:mod:`rag.app.service`, the server thread in :mod:`rag.app.serving`). The Gradio page itself is ``ui.py`` at
the repository root; it mounts the page on the API's app.

May import: every stage below it (core, ``ingest``, ``embed``, ``reader``, ``search``, ``index``,
``extract``, ``eval``) and ``vectorstore``. Nothing is imported here: ``import rag.app.cli`` stays cheap.
"""
