"""The PDF renderer: page numbers in any language, and WeasyPrint loads no file or URL a document names."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from pypdf import PdfReader

from onconet.core.pdf import css_string, html_to_pdf, page_label_css

PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6d8e40000000049454e44ae426082"
    )
).decode()


def text_and_images(pdf: bytes) -> tuple[str, int]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return " ".join(page.extract_text().split()), len(page.images)


def test_a_page_label_is_css_text_whatever_it_holds():
    assert css_string('a"b\\c;}') == '"a\\000022b\\00005cc\\00003b\\00007d"'
    assert page_label_css("Стр. {page} / {pages}") == (
        '@page { @bottom-right { content: "Стр\\00002e " counter(page) " \\00002f " counter(pages); } }'
    )
    assert page_label_css("{pages} sahifadan {page}-sahifa") == (
        '@page { @bottom-right { content: counter(pages) " sahifadan " counter(page) "\\00002dsahifa"; } }'
    )


def test_only_data_urls_are_loaded(tmp_path: Path):
    stylesheet = tmp_path / "x.css"
    stylesheet.write_text('body::after { content: "LOADED FROM DISK" }', encoding="utf-8")
    image = tmp_path / "x.png"
    image.write_bytes(base64.b64decode(PIXEL))
    html = (
        f'<html><head><title>t</title><link rel="stylesheet" href="{stylesheet.as_uri()}"></head><body>'
        f'<p>Body</p><img src="{image.as_uri()}"><img src="http://127.0.0.1:9/x.png">'
        f'<img src="data:image/png;base64,{PIXEL}"></body></html>'
    )
    text, images = text_and_images(html_to_pdf(html, page_label="{page}/{pages}"))
    assert text == "Body 1/1"
    assert images == 1  # the data: URL only
