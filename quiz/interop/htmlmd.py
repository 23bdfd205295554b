"""Anki's note HTML as the Markdown a quiz flip card holds (stdlib html.parser; no new dependency).

Covers what Anki's editor writes: paragraphs and divs, line breaks, bold/italic/code, links,
images, lists, preformatted code, headings, and Anki's cloze spans (shown in bold). A relative
`src`/`href` is a media file: it is rewritten under `media_prefix` and reported in `media`.
What has no Markdown form (tables, scripts, underline, colours) is flattened or dropped, and
said in `lossy`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "blockquote", "section", "article", "center", "dl", "dt", "dd"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_DROPPED = {"script", "style", "head", "title", "noscript"}
_EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*"}
# `_` inside a word (state_dict) never emphasises in CommonMark, so only edge ones are escaped.
_ESCAPE = re.compile(r"([\\`*\[\]<>]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_LINE_MARK = re.compile(r"^(\s*)([#+\-])(?=\s|$)")
_LINE_NUMBER = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class Converted:
    markdown: str
    media: list[str] = field(default_factory=list)
    lossy: list[str] = field(default_factory=list)


@dataclass
class _Frame:
    tag: str
    parts: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)


class _Converter(HTMLParser):
    def __init__(self, media_prefix: str) -> None:
        super().__init__(convert_charrefs=True)
        self.media_prefix = media_prefix
        self.stack: list[_Frame] = [_Frame("")]
        self.media: list[str] = []
        self.lossy: set[str] = set()
        self.dropping = 0
        self.pre = 0
        self.lists: list[list[int]] = []  # one counter per open list; [-1] for bullets

    # -- output helpers ----------------------------------------------------------------------
    def emit(self, text: str) -> None:
        self.stack[-1].parts.append(text)

    def at_line_start(self) -> bool:
        for frame in reversed(self.stack):
            joined = "".join(frame.parts)
            if joined:
                return joined.endswith("\n")
        return True

    def media_link(self, ref: str) -> str:
        if not ref or _SCHEME.match(ref) or ref.startswith(("/", "#")):
            return ref
        if ref not in self.media:
            self.media.append(ref)
        return f"{self.media_prefix}{ref}"

    # -- parser callbacks --------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in _DROPPED:
            self.dropping += 1
            if tag == "script":
                self.lossy.add("a script (dropped)")
            return
        if self.dropping:
            return
        if tag == "br":
            self.emit("\n" if self.pre else "\\\n")
        elif tag == "hr":
            self.emit("\n\n---\n\n")
        elif tag == "img":
            src = values.get("src", "")
            alt = _ESCAPE.sub(r"\\\1", values.get("alt", ""))
            self.emit(f"![{alt}]({_destination(self.media_link(src))})")
        elif self.pre:
            return  # highlighting spans inside code: the text is what matters
        elif tag == "pre":
            self.pre += 1
            self.stack.append(_Frame(tag))
        elif tag in ("ul", "ol"):
            self.lists.append([0 if tag == "ol" else -1])
            self.emit("\n\n")
        elif tag == "li":
            counter = self.lists[-1] if self.lists else [-1]
            indent = "   " * max(0, len(self.lists) - 1)
            if counter[0] >= 0:
                counter[0] += 1
                self.emit(f"\n{indent}{counter[0]}. ")
            else:
                self.emit(f"\n{indent}- ")
        elif tag in _BLOCKS or tag in _HEADINGS:
            self.emit("\n\n")
            if tag in _HEADINGS:
                self.emit("#" * _HEADINGS[tag] + " ")
            elif tag == "blockquote":
                self.emit("> ")
        elif tag in ("table", "tr"):
            self.lossy.add("a table (flattened to lines)")
            self.emit("\n")
        elif tag in ("td", "th"):
            self.emit(" | " if not self.at_line_start() else "")
        elif tag in _EMPHASIS or tag in ("code", "kbd", "tt", "a", "span"):
            self.stack.append(_Frame(tag, attrs=values))
        elif tag in ("u", "font", "sub", "sup", "s", "strike", "mark"):
            self.lossy.add(f"<{tag}> formatting (text kept)")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping:
            return
        if tag == "pre" and self.pre:
            self.pre -= 1
            frame = self._pop("pre")
            if frame is not None:
                code = "".join(frame.parts).strip("\n")
                fence = "````" if "```" in code else "```"
                self.emit(f"\n\n{fence}\n{code}\n{fence}\n\n")
            return
        if self.pre:
            return
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.emit("\n\n")
        elif tag in _BLOCKS or tag in _HEADINGS:
            self.emit("\n\n")
        elif tag in _EMPHASIS or tag in ("code", "kbd", "tt", "a", "span"):
            frame = self._pop(tag)
            if frame is not None:
                inline = self._inline(frame)
                if inline.startswith(" ") and "".join(self.stack[-1].parts).endswith(" "):
                    inline = inline[1:]
                self.emit(inline)

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if self.pre:
            self.emit(data)
            return
        text = re.sub(r"\s+", " ", data.replace("\xa0", " "))
        if self.at_line_start():
            text = text.lstrip()
        if not text:
            return
        if any(f.tag in ("code", "kbd", "tt") for f in self.stack):
            self.emit(text)
            return
        text = _ESCAPE.sub(r"\\\1", text)
        if self.at_line_start():
            text = _LINE_MARK.sub(r"\1\\\2", text)
            text = _LINE_NUMBER.sub(r"\1\\\2", text)
        self.emit(text)

    # -- inline frames -----------------------------------------------------------------------
    def _pop(self, tag: str) -> _Frame | None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                # Close what was left open inside it (HTML from editors is not always tidy).
                while len(self.stack) - 1 > i:
                    inner = self.stack.pop()
                    self.stack[-1].parts.append(self._inline(inner))
                return self.stack.pop()
        return None

    def _inline(self, frame: _Frame) -> str:
        content = "".join(frame.parts)
        core = content.strip()
        if not core:
            return content
        lead = content[: len(content) - len(content.lstrip())]
        trail = content[len(content.rstrip()) :]
        if frame.tag in _EMPHASIS:
            mark = _EMPHASIS[frame.tag]
            return f"{lead}{mark}{core}{mark}{trail}"
        if frame.tag in ("code", "kbd", "tt"):
            ticks = "``" if "`" in core else "`"
            return f"{lead}{ticks}{core}{ticks}{trail}"
        if frame.tag == "a":
            href = frame.attrs.get("href", "")
            if not href:
                return content
            return f"{lead}[{core}]({_destination(self.media_link(href))}){trail}"
        if frame.tag == "span" and "cloze" in frame.attrs.get("class", "").split():
            return f"{lead}**{core}**{trail}"
        return content


def _destination(url: str) -> str:
    """A link destination CommonMark accepts: <...> around one with spaces or brackets."""
    if re.search(r"[\s()<>]", url):
        return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def _tidy(markdown: str) -> str:
    lines = [line.rstrip() for line in markdown.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"(\\\n)+(?=\n|$)", "\n", text)  # a hard break before a paragraph break
    text = re.sub(r"\\$", "", text.strip())
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def html_to_markdown(html: str, media_prefix: str = "") -> Converted:
    """Markdown for `html`; media references are rewritten to `media_prefix + name`."""
    html = _SOUND.sub(lambda m: f'<a href="{m.group(1)}">sound: {m.group(1)}</a>', html)
    converter = _Converter(media_prefix)
    converter.feed(html)
    converter.close()
    while len(converter.stack) > 1:  # tags left open at the end
        frame = converter.stack.pop()
        converter.stack[-1].parts.append(converter._inline(frame))
    markdown = _tidy("".join(converter.stack[0].parts))
    return Converted(markdown, converter.media, sorted(converter.lossy))
