#!/usr/bin/env python3
"""Renders the OpenAPI document of the JSON API (data/openapi.json) as docs/api-reference.md:
one section per tag with a table of its operations, then each operation's parameters, body and
responses, then the shared schemas. Standard library only.

    python3 scripts/openapi-md.py           # writes docs/api-reference.md
    python3 scripts/openapi-md.py --check   # exit 1 when docs/api-reference.md is not what it renders

The Markdown is generated: change data/openapi.json and run this again (tests/api/test_openapi.py
fails while the two disagree)."""
import json
import os
import re
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SOURCE = os.path.join(REPO, "data", "openapi.json")
TARGET = os.path.join(REPO, "docs", "api-reference.md")
METHODS = ("get", "put", "post", "delete", "patch")


def cell(text):
    """Text that stays inside one Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def row(*cells):
    """One Markdown table row."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def schema_link(name):
    return f"[{name}](#schema-{name.lower()})"


def type_of(s):
    """A short human reading of a schema: `string`, `array of [Finding](#…)`, `"a" \\| "b"`."""
    if not isinstance(s, dict) or not s:
        return "any"
    if "$ref" in s:
        return schema_link(ref_name(s["$ref"]))
    if "anyOf" in s or "oneOf" in s:
        return " \\| ".join(type_of(x) for x in s.get("anyOf", s.get("oneOf")))
    if "allOf" in s:
        return " + ".join(type_of(x) if "$ref" in x else "{" + ", ".join(x.get("properties", {})) + "}"
                          for x in s["allOf"])
    if "enum" in s:
        return " \\| ".join("null" if v is None else f"`{json.dumps(v, ensure_ascii=False)}`"
                            for v in s["enum"])
    t = s.get("type", "any")
    if isinstance(t, list):
        t = " \\| ".join(t)
    if t == "array":
        return "array of " + type_of(s.get("items", {}))
    if t == "object":
        if isinstance(s.get("additionalProperties"), dict):
            return "map of " + type_of(s["additionalProperties"])
        keys = list(s.get("properties", {}))
        return "object {" + ", ".join(keys) + "}" if keys else "object"
    extra = []
    if "format" in s:
        extra.append(s["format"])
    if "minimum" in s and "maximum" in s:
        extra.append(f"{s['minimum']}–{s['maximum']}")
    elif "minimum" in s:
        extra.append(f"≥ {s['minimum']}")
    elif "maximum" in s:
        extra.append(f"≤ {s['maximum']}")
    if "minLength" in s:
        extra.append(f"≥ {s['minLength']} chars")
    if "maxLength" in s:
        extra.append(f"≤ {s['maxLength']} chars")
    return t + (f" ({', '.join(extra)})" if extra else "")


def fields(doc, s, prefix=""):
    """(name, schema, required) of an object schema's properties, through one $ref and allOf;
    the members of an object written in place follow it as `parent.member`."""
    if "$ref" in s and not prefix:
        s = doc["components"]["schemas"][ref_name(s["$ref"])]
    out, parts = [], s.get("allOf", [s])
    for part in parts:
        if "$ref" in part:
            out.extend(fields(doc, part, prefix))
            continue
        req = set(part.get("required", []))
        for name, sub in part.get("properties", {}).items():
            out = [f for f in out if f[0] != prefix + name and not f[0].startswith(prefix + name + ".")]
            out.append((prefix + name, sub, name in req))
            if sub.get("type") == "object" and sub.get("properties"):
                out.extend(fields(doc, sub, prefix + name + "."))
    return out


def field_table(doc, s, lines):
    rows = fields(doc, s)
    if not rows:
        return
    lines += ["| field | type | required | description |", "|---|---|---|---|"]
    for name, sub, req in rows:
        lines.append(row(f"`{name}`", type_of(sub), "yes" if req else "", cell(sub.get("description", ""))))


def anchor(method, path):
    return re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-")


def roles(op):
    r = op.get("x-roles", [])
    return ", ".join(r) + (" (imp gate)" if op.get("x-imp-gate") else "")


def render(doc):
    info = doc["info"]
    ops = [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items() if m in METHODS]
    lines = [
        f"# {info['title']} — reference",
        "",
        "<!-- Generated from data/openapi.json by scripts/openapi-md.py; edit those, not this file. -->",
        "",
        "Every endpoint the server serves, generated from the OpenAPI 3.1 document that the server",
        "also answers at `GET /api/v1/openapi.json`",
        "(source: [`data/openapi.json`](../data/openapi.json)).",
        "The conventions every endpoint shares — types, lists and paging, merge patches, the session",
        "and CSRF token, the order of checks, the error object — are in [api.md](api.md).",
        "A test holds the document against the route table (`tests/unit/test_openapi.c`).",
        "",
        "**Roles**: `public` needs no session; otherwise the roles that may call it. **imp gate**: the",
        "account must have connected imp (and an enterprise bound or confirmed), else 403",
        "`imp_not_connected` / `imp_not_bound`. Every POST, PUT and DELETE with a session sends",
        "`X-CSRF-Token`.",
        "",
        "## Contents",
        "",
    ]
    tags = doc.get("tags", [])
    for t in tags:
        lines.append(f"- [{t['name']}](#{anchor('tag', t['name'])})")
    lines.append("- [Schemas](#schemas)")
    for t in tags:
        mine = [o for o in ops if t["name"] in o[2].get("tags", [])]
        lines += ["", f'<a id="{anchor("tag", t["name"])}"></a>', "", f"## {t['name']}", "",
                  t.get("description", ""), "",
                  "| method | path | roles | summary |", "|---|---|---|---|"]
        for m, p, op in mine:
            lines.append(row(m.upper(), f"[`{p}`](#{anchor(m, p)})", cell(roles(op)),
                             cell(op.get("summary", ""))))
        for m, p, op in mine:
            lines += ["", f'<a id="{anchor(m, p)}"></a>', "", f"### {m.upper()} `{p}`", "",
                      f"**{op.get('summary', '')}**", ""]
            if op.get("description"):
                lines += [op["description"], ""]
            params = op.get("parameters", [])
            if params:
                lines += ["Parameters:", "", "| name | in | type | required | description |",
                          "|---|---|---|---|---|"]
                for pa in params:
                    lines.append(row(f"`{pa['name']}`", pa["in"], type_of(pa.get("schema", {})),
                                     "yes" if pa.get("required") else "",
                                     cell(pa.get("description", ""))))
                lines.append("")
            body = op.get("requestBody")
            if body:
                for media, c in body["content"].items():
                    s = c.get("schema", {})
                    need = "required" if body.get("required") else "optional"
                    lines += [f"Body ({need}): `{media}`, {type_of(s)}", ""]
                    n = len(lines)
                    field_table(doc, s, lines)
                    if len(lines) > n:
                        lines.append("")
            lines += ["Responses:", "", "| status | meaning | body |", "|---|---|---|"]
            for code, r in op.get("responses", {}).items():
                if "$ref" in r:
                    name = ref_name(r["$ref"])
                    r = doc["components"]["responses"][name]
                content = r.get("content", {})
                what = "; ".join(f"`{media}` {type_of(c.get('schema', {}))}"
                                 for media, c in content.items())
                lines.append(f"| {code} | {cell(r.get('description', ''))} | {what} |")
    lines += ["", '<a id="schemas"></a>', "", "## Schemas", ""]
    for name, s in doc["components"]["schemas"].items():
        lines += [f'<a id="schema-{name.lower()}"></a>', "", f"### {name}", ""]
        if s.get("description"):
            lines += [s["description"], ""]
        if fields(doc, s):
            field_table(doc, s, lines)
        else:
            lines.append(type_of(s))
        lines.append("")
    sec = doc["components"].get("securitySchemes", {})
    if sec:
        lines += ["## Security", "", "| scheme | where | name | description |", "|---|---|---|---|"]
        for name, s in sec.items():
            lines.append(row(name, s.get("in", ""), f"`{s.get('name', '')}`",
                             cell(s.get("description", ""))))
        lines.append("")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n") + "\n"


def main(argv):
    with open(SOURCE, encoding="utf-8") as f:
        text = render(json.load(f))
    if "--check" in argv:
        try:
            with open(TARGET, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print("docs/api-reference.md is not what data/openapi.json renders: "
                  "run python3 scripts/openapi-md.py", file=sys.stderr)
            return 1
        return 0
    with open(TARGET, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
