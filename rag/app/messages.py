"""What the chat UI and the HTTP API say for an error, chosen by the error's class and ``code`` (never by its
text)."""

from __future__ import annotations

from rag.errors import BadFilterError, DocumentError, RagError

__all__ = ["code_message", "document_reason", "user_message"]

_BY_CODE = {
    "question_empty": "问题是空的，请输入一个问题。",
    "question_no_words": "问题里只有标点、符号或表情，请输入要问的内容。",
    "index_busy": "另一个进程正在写入索引，请稍后再试。",
    "unknown_article": "索引中没有这篇文章（文章编号见 GET /api/articles）。",
    "index_in_memory": "这个索引只在内存中，不能加入或移除文档。",
    # BadFilterError: the message is followed by what was wrong (rag.search.filters' words)
    "bad_date": "日期不对，请用 YYYY-MM-DD、YYYY-MM 或 YYYY",
    "bad_date_range": "起始日期晚于截止日期",
    # the HTTP API's own (rag.app.http_api, rag.app.openai_api)
    "invalid_api_key": "缺少或错误的 API 密钥：请求头要带 Authorization: Bearer <密钥>。",
    "api_key_required": "网页设了登录（--auth），API 要另设密钥：用 --api-key KEY 或 $RAG_API_KEY 启动服务器。",
    "loading": "正在加载索引和模型，请稍后再试。",
    "invalid_request": "请求格式不对",
    "no_question": "最后一条消息要是用户的问题（role 为 user，内容是文字）。",
    "no_files": "请上传至少一个文件（表单字段 files）。",
    "too_many_files": "一次最多上传 {limit} 个文件。",
    "request_too_large": "请求太大（{size}），上限是 {limit}。",
    "length_required": "请求要带 Content-Length。",
    "not_found": "没有这个接口。",
    "method_not_allowed": "这个接口不支持这种请求方法。",
    "model_not_found": "没有这个模型。",
    "internal_error": "内部错误，详情见服务器日志。",
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
    """The message the chat shows for ``exc``: Chinese for the errors a user causes (a bad filter's with the
    value at fault after it), else the error's own."""
    said = _BY_CODE.get(exc.code)
    if said is None:
        return str(exc)
    return f"{said}：{exc.message}" if isinstance(exc, BadFilterError) else said


def code_message(code: str, **values: object) -> str:
    """The message for an error ``code`` that no exception carries (the HTTP API's), with ``values`` filled
    in; the code itself when it has none."""
    return _BY_CODE.get(code, code).format(**values)


def document_reason(exc: DocumentError) -> str:
    """Why a document cannot be read, in Chinese (the English reason when there is no translation)."""
    return _DOCUMENT_REASONS.get(exc.code, exc.reason)
