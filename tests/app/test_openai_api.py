"""The OpenAI-compatible API (/v1) driven by the real ``openai`` client against a served app (the page
mounted beside it, as ``python ui.py`` serves): plain and streamed replies, a follow-up through the messages,
the date and outlet filters (extension fields, or ``metadata``), errors in OpenAI's shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from api_cases import PORT_QUESTION, QUESTION, UNANSWERED

from rag.app import render_html as R
from rag.app.backend import Backend


@pytest.fixture(scope="module")
def url(serve_api: Any, fake_seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return serve_api(Backend(fake_seed_index, tmp_path_factory.mktemp("uploads")))


@pytest.fixture
def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="any", max_retries=0, timeout=60)


def user(text: Any) -> dict[str, Any]:
    return {"role": "user", "content": text}


def test_plain_reply_is_the_chat_markdown_with_the_answer_beside(
    client: openai.OpenAI, known_reader: Any, fake_seed_index: Path, seed_articles: dict
) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",  # any name: the one model answers
        messages=[{"role": "system", "content": "你是新闻助手。"}, user(QUESTION)],
        temperature=0.2,
        top_p=0.9,
        max_tokens=5,
        presence_penalty=1.0,
        n=1,
    )
    assert completion.object == "chat.completion" and completion.model == "gpt-4o"
    assert completion.id.startswith("chatcmpl-")
    (choice,) = completion.choices
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    expected = Backend(fake_seed_index).ask(QUESTION)
    assert choice.message.content == R.answer_markdown(expected)  # what the chat UI shows, unchanged
    assert choice.message.content.startswith("答案：<strong>97\\.54</strong> \\[1\\]")
    assert "来源：" in choice.message.content and "內蒙古日報" in choice.message.content
    assert completion.usage is not None and completion.usage.total_tokens == 0
    answer = (completion.model_extra or {})["answer"]
    assert answer == expected.to_dict()
    cite = answer["citations"][0]
    article = seed_articles["002"]
    assert cite["article_id"] == article.id and article.text[cite["start"] : cite["end"]] == cite["quote"]
    assert article.text[cite["answer_start"] : cite["answer_end"]] == "97.54"


def test_streamed_reply_is_the_same_reply_in_chunks(client: openai.OpenAI, known_reader: Any) -> None:
    plain = client.chat.completions.create(model="rag-news", messages=[user(QUESTION)])
    stream = client.chat.completions.create(
        model="rag-news", messages=[user(QUESTION)], stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert {c.object for c in chunks} == {"chat.completion.chunk"} and len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content and len(chunks) > 4  # line by line
    finished = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert [c.choices[0].finish_reason for c in finished] == ["stop"]
    assert (finished[0].model_extra or {})["answer"] == (plain.model_extra or {})["answer"]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None  # include_usage: one last event


def test_stream_is_server_sent_events_ending_with_done(url: str, known_reader: Any) -> None:
    body = {"model": "rag-news", "messages": [user(QUESTION)], "stream": True}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    first, last = json.loads(events[0][6:]), json.loads(events[-2][6:])
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert last["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None}
    assert last["answer"]["answer"] == "97.54" and "answer" not in first and "usage" not in first


def test_earlier_messages_are_the_conversation(client: openai.OpenAI, known_reader: Any) -> None:
    first = client.chat.completions.create(model="rag-news", messages=[user("秦皇島市委書記是誰？")])
    reply = first.choices[0].message.content
    messages = [user("秦皇島市委書記是誰？"), {"role": "assistant", "content": reply}, user("那宝鸡呢？")]
    follow = client.chat.completions.create(model="rag-news", messages=messages)
    answer = (follow.model_extra or {})["answer"]
    assert answer["question"] == "那宝鸡呢？" and answer["resolved_question"] == "宝鸡市委书记是谁？"
    assert known_reader.questions[-1] == "宝鸡市委书记是谁？"  # what the reader was asked
    assert "<em>按上文理解为：宝鸡市委书记是谁？</em>" in follow.choices[0].message.content
    # content given as a list of text parts (the vision message format) reads the same
    parts = [*messages[:-1], user([{"type": "text", "text": "那宝鸡呢？"}])]
    again = client.chat.completions.create(model="rag-news", messages=parts)
    assert (again.model_extra or {})["answer"]["resolved_question"] == "宝鸡市委书记是谁？"


def test_a_question_nothing_answers_is_an_ordinary_reply(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="rag-news", messages=[user(UNANSWERED)])
    content = completion.choices[0].message.content
    assert content.startswith(f"<strong>{R.NOT_FOUND}。</strong>")
    assert "最接近的段落（仅供参考）：" in content and "1\\. 《" in content
    answer = (completion.model_extra or {})["answer"]
    assert answer["found"] is False and answer["citations"] == [] and 0 < len(answer["closest"]) <= 5
    assert completion.choices[0].finish_reason == "stop"


def test_filters_as_extension_fields_or_metadata(dated_url: str, port_reader: Any) -> None:
    client = openai.OpenAI(base_url=f"{dated_url}/v1", api_key="any", max_retries=0, timeout=60)
    messages = [user(PORT_QUESTION)]
    plain = client.chat.completions.create(model="rag-news", messages=messages)
    assert (plain.model_extra or {})["answer"]["answer"] == "3012万吨"
    year = client.chat.completions.create(
        model="rag-news", messages=messages, extra_body={"since": "2022", "until": "2022-12-31"}
    )
    answer = (year.model_extra or {})["answer"]
    assert answer["answer"] == "3265万吨" and answer["citations"][0]["published"] == "2022-03-06"
    assert answer["filters"] == {"since": "2022-01-01", "until": "2022-12-31", "outlets": [], "articles": 2}
    assert "3265万吨" in (year.choices[0].message.content or "")
    tagged = client.chat.completions.create(
        model="rag-news", messages=messages, metadata={"outlets": "人民日报,中国新闻网", "since": "2023"}
    )
    answer = (tagged.model_extra or {})["answer"]
    assert answer["answer"] == "3418万吨" and answer["citations"][0]["article_id"] == "news-port-2023"
    assert (
        answer["filters"]["outlets"] == ["人民日报", "中国新闻网"]
        and answer["filters"]["since"] == "2023-01-01"
    )
    # an extension field wins over the same key in metadata
    both = client.chat.completions.create(
        model="rag-news", messages=messages, metadata={"since": "2023"}, extra_body={"since": "2030"}
    )
    answer = (both.model_extra or {})["answer"]
    assert answer["found"] is False and answer["notice"] == "筛选条件（2030-01-01至今）没有匹配任何文章"
    assert answer["closest"] == [] and "没有匹配任何文章" in (both.choices[0].message.content or "")


@pytest.mark.parametrize("stream", [False, True])
def test_a_bad_date_is_400_before_any_reply(dated_url: str, stream: bool) -> None:
    client = openai.OpenAI(base_url=f"{dated_url}/v1", api_key="any", max_retries=0, timeout=60)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="rag-news",
            messages=[user(PORT_QUESTION)],
            stream=stream,
            extra_body={"until": "2023-02-30"},
        )
    assert caught.value.status_code == 400 and caught.value.code == "bad_date"
    body = caught.value.body
    assert isinstance(body, dict) and "日期不对" in body["message"] and "2023-02-30" in body["message"]


@pytest.mark.parametrize(
    ("messages", "code", "said"),
    [
        ([user("  ")], "question_empty", "问题是空的"),
        ([user("？！……")], "question_no_words", "只有标点"),
        (
            [user([{"type": "image_url", "image_url": {"url": "http://x/y.png"}}])],
            "question_empty",
            "问题是空的",
        ),
        ([user("宝鸡市委书记是谁？"), {"role": "assistant", "content": "好"}], "no_question", "role 为 user"),
    ],
    ids=["empty", "punctuation", "no-text-part", "last-is-assistant"],
)
def test_bad_questions_are_400_in_openai_shape(
    client: openai.OpenAI, messages: list, code: str, said: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="rag-news", messages=messages)
    assert caught.value.status_code == 400 and caught.value.code == code
    body = caught.value.body
    assert isinstance(body, dict) and said in body["message"] and body["type"] == "invalid_request_error"


def test_malformed_requests_are_422(url: str) -> None:
    for body in ({"model": "x"}, {"model": "x", "messages": []}, {"messages": [{"role": "robot"}]}):
        response = httpx.post(f"{url}/v1/chat/completions", json=body)
        assert response.status_code == 422, body
        error = response.json()["error"]
        assert error["code"] == "invalid_request" and error["type"] == "invalid_request_error"
        assert error["param"].startswith("messages")
    response = httpx.post(f"{url}/v1/chat/completions", content=b"{not json", headers={"content-type": "x"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_models_lists_one_model(client: openai.OpenAI, url: str) -> None:
    models = client.models.list()
    assert [m.id for m in models.data] == ["rag-news"] and models.data[0].owned_by == "rag-news"
    assert client.models.retrieve("rag-news").id == "rag-news"
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("gpt-4o")
    assert caught.value.code == "model_not_found"
    assert httpx.get(f"{url}/v1/embeddings").json()["error"]["code"] == "not_found"
