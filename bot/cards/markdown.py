"""The markdown fallback of every card, for clients that cannot show cards (Webex allows 7,439 bytes).

Built from the same contexts as the cards, so the strings are already escaped and the group
view already filtered: the fallback can never say more than its card.
"""

from __future__ import annotations

from bot.cards.markup import escape_markdown

MAX_MARKDOWN_BYTES = 7_000  # Webex refuses text over 7,439 bytes; keep a margin for the bot's own additions


def _tiles(tiles: list[dict]) -> str:
    return " · ".join(f"{t['value']} {t['label']}" for t in tiles)


def _header(h: dict) -> list[str]:
    lines = [f"**{h['kicker']}: {h['title']}**", f"{h['when']} · {h['host']}"]
    links = [f"[{label}]({h[key]})" for key, label in (("link", "Open in Webex"), ("recording", "Recording"))
             if h.get(key)]
    where = " · ".join(x for x in [h.get("where"), *links] if x)
    return lines + ([where] if where else []) + _optional(h.get("withheld"))


def _linked(c: dict) -> dict:
    """The card's header, with the Recording button's link in it (a fallback has no buttons)."""
    urls = [b["url"] for a in c.get("actions") or () for b in [a, *(a.get("more") or ())] if b.get("url")]
    return {**c["header"], "recording": c["header"].get("recording") or (urls[0] if urls else None)}


def _question(q: dict) -> list[str]:
    lines = [f"**{q['intro']}**"] if q.get("intro") else []
    lines.append(f"**{q['label']}: {q['text']}** ({q['meta']})")
    for a in q["answers"]:
        mark = " ✓ correct" if a["correct"] else ""
        lines.append(f"- {a['text']}: {a['count']} ({a['percent']}) {a['bar_short']}{mark}")
        if a.get("voters"):
            lines.append(f"  {a['voters']}")
    lines.extend(x for x in [q.get("more_answers"), q.get("missing")] if x)
    lines.extend(f"- {r}" for r in q.get("responses", ()))
    return lines


def _optional(*values: str | None) -> list[str]:
    return [v for v in values if v]


def _speaker(s: dict, details: bool = False) -> str:
    return f"- **{s['name']}** {s['figures']} {s['bar_short']}" + (f" · {s['snippets']}" if details else "")


def _insights(i: dict | None) -> list[str]:
    """The summary's insights: the whole shortened note, action items, who spoke, the 1:1's unavailable line."""
    if not i:
        return []
    lines = ["**Summary:** " + " ".join(i["note"] + i["rest"])] if i["note"] else []
    lines += _optional(i["rest_more"], i["withheld"])
    items = i["action_items"]
    lines += (["**Action items:**"] + [f"- {x}" for x in items] + _optional(i["action_items_more"])) if items else []
    lines += ([f"**Who spoke:** {i['talk']}"] + [_speaker(s) for s in i["speakers"]]
              + _optional(i["speakers_more"])) if i["talk"] else []
    return lines + _optional(i["unavailable"])


def summary(c: dict) -> list[str]:
    """Recap: one line per section."""
    insights = _insights(c.get("insights"))
    lines = _header(_linked(c)) + [""] + insights + [f"**Attendance:** {_tiles(c['attendance'])}"]
    lines += _optional(c["insights"] and c["insights"]["no_shows"]) + [f"**Polls:** {c['polls']['line']}"]
    for q in c["polls"]["questions"]:
        lines += _question(q)
    lines += _optional(c["polls"]["more"])
    lines += [f"**Q&A:** {_tiles(c['qa']['tiles'])}"] + _optional(c["qa"]["hidden"])
    lines += [f"**Chat:** {_tiles(c['chat']['tiles'])}", c["chat"]["line"]]
    return lines + ([f"{c['sent']}. {c['stop']}"] if c.get("sent") else [])  # no button here: the command


def _name(r: dict) -> str:
    return f"**{r['name']}**" + (f" ({r['badge']})" if r.get("badge") else "")


def attendance(c: dict) -> list[str]:
    """Attendance: totals, the late / early / short sections (1:1), then one line per person in the chosen order."""
    lines = _header(c["header"]) + ["", _tiles(c["tiles"]), c["line"]]
    for s in c["sections"]:
        lines += ["", f"**{s['title']}**"] + [f"- {_name(r)} {r['detail']}" for r in s["rows"]] + _optional(s["more"])
    lines += ["", f"**{c['order']}**"] if c["rows"] else []  # no rows under privacy counts: no order either
    for r in c["rows"]:
        if "time" not in r:  # a group space: names only
            lines.append(f"- {_name(r)}")
            continue
        extra = "".join(f" · {x}" for x in (r["email"], r["flags"]) if x)
        lines.append(f"- {_name(r)} {r['span']} ({r['time']}){extra}")
    return lines + _optional(c["more"])


def polls(c: dict) -> list[str]:
    """Polls: every question with its answers."""
    lines = _header(c["header"]) + ["", c["line"]] + _optional(c["base"], c["note"])
    for q in c["questions"]:
        lines += [""] + _question(q)
    return lines + _optional(c["more"])


def qa(c: dict) -> list[str]:
    """Q&A: totals, then each question and its answers."""
    lines = _header(c["header"]) + ["", _tiles(c["tiles"])] + _optional(c["note"])
    for q in c["items"]:
        lines += ["", f"**{q['who']}** · {q['when']} · {q['status']}", q["text"]]
        lines += [f"- {a['who']}: {a['text']}" for a in q["answers"]] + _optional(q["more_answers"])
    return lines + _optional(c["more"])


def chats(c: dict) -> list[str]:
    """Chat: counts, senders, then the most recent messages."""
    lines = _header(c["header"]) + ["", _tiles(c["tiles"])] + _optional(c["senders"], c["times"])
    lines += [c["source"]] + _optional(c["note"]) + [""] + _optional(c["window"])
    # A message's further lines stay inside its list item (indented), as the card keeps them.
    return lines + [f"- {line['meta']}: " + line["text"].replace("\n\n", "\n  ") for line in c["lines"]]


def notes(c: dict) -> list[str]:
    """AI summary: the note, then every action item."""
    lines = _header(_linked(c)) + [""] + c["note"] + _optional(c["note_more"])
    if c["items"]:
        lines += ["", "**Action items:**"] + [f"- {x}" for x in c["items"]] + _optional(c["items_more"])
    return lines + _optional(c["empty"], c["unavailable"])


def speakers(c: dict) -> list[str]:
    """Speakers: the totals, then one line per speaker (1:1 only)."""
    lines = _header(_linked(c)) + [""] + _optional(_tiles(c["tiles"]), c["note"])
    return lines + [_speaker(s, True) for s in c["rows"]] + _optional(c["more"], c["unavailable"])


def archives(c: dict) -> list[str]:
    """Archives: title, then one line per meeting (time, host, size) with the command that opens it, in bold."""
    lines = [f"**{c['title']}**", c["count"], ""]
    for r in c["rows"] or [dict(title=escape_markdown(ch["title"]), when=None, host=None, value=ch["value"])
                           for ch in c["choices"]]:
        about = " · ".join(x for x in (r["title"], r["when"], r["host"]) if x)
        lines.append(f"- {about}: **summary {escape_markdown(r['value'])}**")
    return lines + _optional(c["more"])


def help(c: dict) -> list[str]:
    """Help: the commands."""
    lines = ["**Recap: what I can do**"] + _optional(c["intro"]) + [""]
    lines += [f"- **{escape_markdown(x['code'])}** — {x['summary']}" for x in c["commands"]]
    return lines + ["", c["footer"]]


def error(c: dict) -> list[str]:
    """Error: what happened and what to do."""
    lines = [f"**Error: {c['title']}**", "", f"**What happened:** {c['what_happened']}",
             f"**What to do:** {c['what_to_do']}"]
    return lines + ([f"Tracking ID: {c['tracking_id']}"] if c["tracking_id"] else [])


def refusal(c: dict) -> list[str]:
    """Refusal."""
    return ["**Sorry, this is for administrators**", c["text"], c["todo"]]


def subscription(c: dict) -> list[str]:
    """Subscription confirmation or list."""
    lines = [f"**{c['title']}**", c["text"]] + ([f"Subscription id: {c['id']}"] if c["id"] else [])
    lines += [f"- {r['what']} ({r['id']})" for r in c["rows"]]
    if c["id"] and c["actions"]:  # the confirmation, for a client without cards: the command does the same
        lines.append(f"To stop it, say **unsubscribe {c['id']}**; to keep it, do nothing.")
    elif c["rows"]:
        lines.append("To stop one, say **unsubscribe** and its id.")
    return lines + _optional(c["more"])


def join(lines: list[str]) -> str:
    """The fallback text, cut at a line boundary (never inside an escape) if it is still too long."""
    text = "\n".join(lines).strip()
    if len(text.encode("utf-8")) <= MAX_MARKDOWN_BYTES:
        return text
    kept, size = [], 0
    for line in lines:
        size += len(line.encode("utf-8")) + 1
        if size > MAX_MARKDOWN_BYTES - 80:
            break
        kept.append(line)
    return "\n".join(kept + ["…", "(shortened — **export** in a 1:1 space has everything)"]).strip()
