"""What the chat UI says for an error, chosen by the error's class and ``code`` (never by its text)."""

from __future__ import annotations

from rag.errors import DocumentError, RagError

__all__ = ["document_reason", "user_message"]

_BY_CODE = {
    "question_empty": "问题是空的，请输入一个问题。",
    "question_no_words": "问题里只有标点、符号或表情，请输入要问的内容。",
    "index_busy": "另一个进程正在写入索引，请稍后再试。",
    "store_unreachable": "向量库（Milvus）无法连接：服务器没有响应，请确认它在运行后再试。",
}
_DOCUMENT_REASONS = {  # DocumentError codes (rag.ingest), as the UI says them
    "empty_file": "文件是空的",
    "binary_file": "不是文本文件",
    "undecodable": "无法识别编码（支持 UTF-8、UTF-16、GBK/GB18030、Big5）",
    "no_text": "清理后没有正文",
    "bom_mismatch": "字节顺序标记（BOM）与内容不符",
    "unreadable": "无法打开文件",
}


def user_message(exc: RagError) -> str:
    """The message the chat shows for ``exc``: Chinese for the errors a user causes, else the error's own."""
    return _BY_CODE.get(exc.code, str(exc))


def document_reason(exc: DocumentError) -> str:
    """Why a document cannot be read, in Chinese (the English reason when there is no translation)."""
    return _DOCUMENT_REASONS.get(exc.code, exc.reason)
