"""What the sandbox understands of a small Node.js (Express) app, without running Node.js.

The sandbox must work on machines without Node.js and without network, so it reads the
app's source instead of running it, for two things:
- `npm test` with jest (standins.py): tests of the shape the lecture's sample has —
  `const res = await request(app).get(PATH)` (supertest) and `expect(res.statusCode |
  res.status | res.text).toBe / toEqual / toContain / toMatch(...)`, or supertest's own
  `.expect(200)` / `.expect('text')` — are evaluated against the routes; a test of any other
  shape is reported as skipped ("could not be evaluated by the sandbox"), never as passed;
- what a container of the app serves (ecs_rollout.py's target health): the port it listens
  on (`app.listen(PORT)` with `process.env.PORT || 3000`, or a number) and, per route,
  the status and text it answers (`res.send('…')`, `res.status(N).send('…')`,
  `res.sendStatus(N)`, `res.json(…)`; any other path: Express's 404 "Cannot GET /path").
Anything else (routers, middleware, computed answers) is "not understood": callers then keep
their old behaviour (tests skipped, targets healthy).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field

_STRING = r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`"""
_STRING_RE = re.compile(_STRING)
METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "all")
REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
           302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


def express_404(method: str, path: str) -> str:
    """Express's default answer for a path no route handles."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n"
            "</body>\n</html>\n")


# =============================================================================================
# Reading JavaScript (just enough)


def strip_comments(src: str) -> str:
    """The source without // and /* */ comments (strings and regexes kept)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c in "'\"`":
            m = _STRING_RE.match(src, i)
            if m:
                out.append(m.group(0))
                i = m.end()
                continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def literal(text: str) -> str | None:
    """The value of a JS string literal (None for a template with ${...} or not a literal)."""
    text = text.strip()
    if len(text) < 2 or text[0] not in "'\"`" or text[-1] != text[0]:
        return None
    body = text[1:-1]
    if text[0] == "`" and "${" in body:
        return None
    try:
        return json.loads('"' + body.replace('"', '\\"').replace("\\'", "'")
                          .replace("\\`", "`") + '"')
    except ValueError:
        return body


def _match_close(src: str, start: int, open_c: str, close_c: str) -> int:
    """Index of the bracket closing the one at `start` (strings skipped), or -1."""
    depth, i = 0, start
    while i < len(src):
        c = src[i]
        if c in "'\"`":
            m = _STRING_RE.match(src, i)
            if m:
                i = m.end()
                continue
        if c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _call_args(src: str, open_paren: int) -> str | None:
    end = _match_close(src, open_paren, "(", ")")
    return None if end < 0 else src[open_paren + 1:end]


def _split_top(args: str) -> list[str]:
    """Split call arguments at top-level commas."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(args):
        c = args[i]
        if c in "'\"`":
            m = _STRING_RE.match(args, i)
            if m:
                cur.append(m.group(0))
                i = m.end()
                continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur))
    return [p.strip() for p in parts]


# =============================================================================================
# The Express app


@dataclass
class Route:
    method: str
    path: str
    status: int | None = 200
    body: str | None = None  # None: not known (computed, JSON, ...)


@dataclass
class App:
    """What a module serves: routes, and (for the entry) the port it listens on."""

    routes: list[Route] = field(default_factory=list)
    port_env: str | None = None  # listens on process.env[port_env] ...
    port_default: int | None = None  # ... or this
    understood: bool = True
    why_not: str = ""

    def port(self, env: dict) -> int | None:
        if self.port_env and str(env.get(self.port_env, "")).isdigit():
            return int(env[self.port_env])
        return self.port_default

    def answer(self, method: str, path: str) -> tuple[int, str | None]:
        """(status, text) for a request, as Express would answer it."""
        path = path.split("?", 1)[0] or "/"
        for r in self.routes:
            if r.path == path and r.method in (method.upper(), "ALL"):
                return r.status or 200, r.body
        if method.upper() == "HEAD":
            for r in self.routes:
                if r.path == path and r.method == "GET":
                    return r.status or 200, ""
        return 404, express_404(method.upper(), path)


_PORT_EXPR = re.compile(
    r"^(?:parseInt\(\s*)?process\.env\.([A-Za-z_][A-Za-z0-9_]*)\s*\)?\s*(?:\|\||\?\?)\s*"
    r"(?:parseInt\(\s*)?['\"]?(\d+)['\"]?\s*\)?$")


def _port_of(expr: str, src: str) -> tuple[str | None, int | None] | None:
    expr = expr.strip()
    if expr.isdigit():
        return None, int(expr)
    if literal(expr) is not None and literal(expr).isdigit():
        return None, int(literal(expr))
    m = _PORT_EXPR.match(expr)
    if m:
        return m.group(1), int(m.group(2))
    if re.fullmatch(r"[A-Za-z_$][\w$]*", expr):
        d = re.search(r"\b(?:const|let|var)\s+" + re.escape(expr) + r"\s*=\s*([^;\n]+)", src)
        if d:
            return _port_of(d.group(1), src)
    m = re.fullmatch(r"process\.env\.([A-Za-z_][A-Za-z0-9_]*)", expr)
    if m:
        return m.group(1), None
    return None


def _route_answer(handler: str) -> tuple[int | None, str | None] | None:
    """(status, text) a handler's body sends, or None when it is not understood."""
    status = 200
    m = re.search(r"\.sendStatus\(\s*(\d{3})\s*\)", handler)
    if m:
        code = int(m.group(1))
        return code, REASONS.get(code, str(code))
    m = re.search(r"\.status\(\s*(\d{3})\s*\)", handler)
    if m:
        status = int(m.group(1))
    m = re.search(r"\.(send|end)\(", handler)
    if m:
        args = _call_args(handler, m.end() - 1)
        if args is None:
            return None
        if not args.strip():
            return status, ""
        text = literal(args)
        if text is None and re.fullmatch(r"\d+(?:\.\d+)?", args.strip()):
            text = None
        return status, text
    m = re.search(r"\.json\(", handler)
    if m:
        return status, None
    return None


def parse_module(src: str) -> App:
    """The Express routes a module declares (`X.get('/p', handler)` on `X = express()`)."""
    src = strip_comments(src)
    app = App()
    names = re.findall(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*express\(\s*\)", src)
    if not names:
        app.understood = False
        app.why_not = "no express() app in the module"
        return app
    for name in names:
        pattern = re.compile(r"\b" + re.escape(name) + r"\.(" + "|".join(METHODS) + r")\(")
        for m in pattern.finditer(src):
            args = _call_args(src, m.end() - 1)
            parts = _split_top(args or "")
            path = literal(parts[0]) if parts else None
            if path is None or len(parts) < 2:
                continue
            answer = _route_answer(",".join(parts[1:]))
            status, body = answer if answer else (None, None)
            app.routes.append(Route(m.group(1).upper(), path, status, body))
    return app


def _requires(src: str) -> dict[str, str]:
    """variable -> module path of `const X = require('./x')` (relative modules only)."""
    return {m.group(1): m.group(2) for m in re.finditer(
        r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\(\s*['\"](\.{1,2}/[^'\"]+)"
        r"['\"]\s*\)", strip_comments(src))}


def resolve_module(read, base_file: str, spec: str) -> str | None:
    """The file a relative require() names (x, x.js, x/index.js), via `read(path)`."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(base_file), spec))
    for candidate in (target, target + ".js", target + "/index.js"):
        if read(candidate) is not None:
            return candidate
    return None


def load_app(read, entry: str) -> App:
    """The app an entry file starts: its listen() port and the routes of the app it listens
    with (declared in the entry or in a module it requires). `read(path)` gives a file's text
    or None."""
    src = read(entry)
    if src is None:
        return App(understood=False, why_not=f"{entry} is not in the image")
    clean = strip_comments(src)
    listen = re.search(r"\b([A-Za-z_$][\w$]*)\.listen\(", clean)
    if not listen:
        return App(understood=False, why_not=f"{entry} calls no listen()")
    args = _split_top(_call_args(clean, listen.end() - 1) or "")
    port = _port_of(args[0], clean) if args else None
    if port is None:
        return App(understood=False, why_not=f"the port {entry} listens on is not understood")
    name = listen.group(1)
    app = parse_module(src)
    if not app.understood or not app.routes:
        spec = _requires(src).get(name)
        module = resolve_module(read, entry, spec) if spec else None
        if module is None:
            return App(understood=False, why_not=f"where {name} comes from is not understood")
        app = parse_module(read(module))
        if not app.understood:
            return app
    app.port_env, app.port_default = port
    return app


# =============================================================================================
# jest + supertest tests


@dataclass
class TestCase:
    title: list[str]
    status: str  # "passed", "failed", "skipped"
    message: str = ""
    ms: int = 3


def _callback_body(args: str) -> str | None:
    """The body `{...}` of the function passed as the last argument."""
    i = args.find("=>")
    j = args.find("function")
    start = min(x for x in (i, j) if x >= 0) if i >= 0 or j >= 0 else -1
    if start < 0:
        return None
    brace = args.find("{", start)
    if brace < 0:
        return None
    end = _match_close(args, brace, "{", "}")
    return None if end < 0 else args[brace + 1:end]


def _blocks(src: str):
    """(kind, name, body) of describe/it/test calls at the top level of `src`."""
    i = 0
    pattern = re.compile(r"\b(describe|it|test)(?:\.(only|skip))?\s*\(")
    while True:
        m = pattern.search(src, i)
        if not m:
            return
        args = _call_args(src, m.end() - 1)
        if args is None:
            return
        i = m.end() - 1 + len(args) + 2
        parts = _split_top(args)
        name = literal(parts[0]) if parts else None
        body = _callback_body(args)
        if name is None or body is None:
            continue
        yield m.group(1), name, body, m.group(2)


_REQ = re.compile(r"request\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\.(" + "|".join(METHODS) +
                  r")\(\s*(" + _STRING + r")\s*\)")


def _statements(body: str) -> list[str]:
    """Split a function body at top-level semicolons (and blank lines)."""
    out, cur, depth, i = [], [], 0, 0
    while i < len(body):
        c = body[i]
        if c in "'\"`":
            m = _STRING_RE.match(body, i)
            if m:
                cur.append(m.group(0))
                i = m.end()
                continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if depth == 0 and (c == ";" or body.startswith("\n\n", i)):
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


def _fmt(value) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


def _eval_test(body: str, app_var: str, app: App) -> tuple[str, str]:
    """("passed"/"failed"/"skipped", message) of one test body."""
    responses: dict[str, tuple[int, str | None]] = {}
    stmts = [s.strip() for s in _statements(body) if s.strip()]
    for stmt in stmts:
        stmt = " ".join(stmt.split())
        req = _REQ.search(stmt)
        if req:
            if req.group(1) != app_var:
                return "skipped", f"request({req.group(1)}) is not the app the sandbox read"
            path = literal(req.group(3))
            status, text = app.answer(req.group(2), path)
            var = re.match(r"^(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*await\s", stmt)
            if var:
                responses[var.group(1)] = (status, text)
            elif not re.match(r"^(?:await|return)\s", stmt):
                return "skipped", f"not understood: {stmt[:80]}"
            for exp in re.finditer(r"\.expect\(([^()]*)\)", stmt[req.end():]):
                args = _split_top(exp.group(1))
                for a in args:
                    if a == "done":  # the callback style: it('…', (done) => … .expect(200, done))
                        continue
                    if a.isdigit():
                        if status != int(a):
                            return "failed", (f"expected {a} \"{REASONS.get(int(a), '')}\", "
                                              f"got {status} \"{REASONS.get(status, '')}\"")
                    elif literal(a) is not None:
                        if text is None:
                            return "skipped", "the route's answer is computed at run time"
                        if text != literal(a):
                            return "failed", (f"expected '{literal(a)}' response body, got "
                                              f"'{text}'")
                    else:
                        return "skipped", f"not understood: .expect({exp.group(1)})"
            continue
        m = re.match(r"^expect\(\s*([A-Za-z_$][\w$]*)\.(statusCode|status|text)\s*\)\s*"
                     r"(\.not)?\.(toBe|toEqual|toStrictEqual|toContain|toMatch)\((.*)\)$", stmt)
        if not m or m.group(1) not in responses:
            return "skipped", f"not understood: {stmt[:80]}"
        status, text = responses[m.group(1)]
        received = status if m.group(2) in ("statusCode", "status") else text
        if received is None:
            return "skipped", "the route's answer is computed at run time"
        raw, matcher, negate = m.group(5).strip(), m.group(4), bool(m.group(3))
        if raw.isdigit():
            expected = int(raw)
        elif literal(raw) is not None:
            expected = literal(raw)
        elif matcher == "toMatch" and re.fullmatch(r"/.*/[gimsuy]*", raw):
            expected = raw
        else:
            return "skipped", f"not understood: {stmt[:80]}"
        if matcher == "toContain":
            ok = isinstance(received, str) and str(expected) in received
            detail = (f"expect(received).{'not.' if negate else ''}toContain(expected) // "
                      f"indexOf\n\nExpected substring: {_fmt(expected)}\nReceived string:    "
                      f"{_fmt(received)}")
        elif matcher == "toMatch":
            pattern = expected[1:expected.rfind("/")] if isinstance(expected, str) and \
                expected.startswith("/") else re.escape(str(expected))
            ok = isinstance(received, str) and re.search(pattern, received) is not None
            detail = (f"expect(received).{'not.' if negate else ''}toMatch(expected)\n\n"
                      f"Expected pattern: {expected if raw.startswith('/') else _fmt(expected)}"
                      f"\nReceived string:  {_fmt(received)}")
        else:
            ok = received == expected
            kind = "// Object.is equality" if matcher == "toBe" else "// deep equality"
            detail = (f"expect(received).{'not.' if negate else ''}{matcher}(expected) {kind}\n\n"
                      f"Expected: {'not ' if negate else ''}{_fmt(expected)}\nReceived: "
                      f"{_fmt(received)}")
        if ok == negate:
            return "failed", detail
    return "passed", ""


def test_files(root: str) -> list[str]:
    """jest's default testMatch: __tests__/**/*.js and *.test.js / *.spec.js, no node_modules."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("node_modules", ".git"))
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        for f in sorted(filenames):
            rel = f if rel_dir == "." else f"{rel_dir}/{f}"
            if not re.search(r"\.[jt]sx?$", f):
                continue
            if "/__tests__/" in "/" + rel or re.search(r"[.](test|spec)\.[jt]sx?$", f):
                found.append(rel)
    return found


def run_jest(root: str) -> tuple[int, str]:
    """(exit code, output) of `jest` in `root`, tests evaluated as the module docstring says."""
    files = test_files(root)
    if not files:
        return 1, (f"No tests found, exiting with code 1\nRun with `--passWithNoTests` to exit "
                   f"with code 0\nIn {root}\n")

    def read(rel: str) -> str | None:
        path = os.path.join(root, *rel.split("/"))
        try:
            with open(path, encoding="utf-8") as f:
                return f.read()
        except (OSError, UnicodeDecodeError):
            return None

    out: list[str] = []
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    suites_failed = 0
    failures: list[tuple[list[str], str]] = []
    for rel in files:
        src = strip_comments(read(rel) or "")
        cases: list[TestCase] = []
        requires = _requires(src)
        app_var = next((v for v, spec in requires.items()
                        if resolve_module(read, rel, spec)), None)
        app = None
        why = ""
        if app_var:
            module = resolve_module(read, rel, requires[app_var])
            app = parse_module(read(module) or "")
            if not app.understood:
                why, app = app.why_not, None
        else:
            why = "the test requires no app module of the repository"

        def walk(text: str, titles: list[str]) -> None:
            for kind, name, body, mod in _blocks(text):
                if kind == "describe":
                    walk(body, titles + [name])
                    continue
                if mod == "skip":
                    cases.append(TestCase(titles + [name], "skipped", "it.skip"))
                elif app is None:
                    cases.append(TestCase(titles + [name], "skipped", why))
                else:
                    status, message = _eval_test(body, app_var, app)
                    cases.append(TestCase(titles + [name], status, message))

        walk(src, [])
        failed = [c for c in cases if c.status == "failed"]
        suites_failed += bool(failed)
        out.append(f"{'FAIL' if failed else 'PASS'} {rel}")
        shown: list[str] = []
        for case in cases:
            for depth, title in enumerate(case.title[:-1]):
                if len(shown) <= depth or shown[depth] != title:
                    shown[depth:] = [title]
                    out.append("  " * (depth + 1) + title)
            mark = {"passed": "✓", "failed": "✕", "skipped": "○ skipped"}[case.status]
            timing = f" ({case.ms} ms)" if case.status != "skipped" else ""
            out.append("  " * len(case.title) + f"{mark} {case.title[-1]}{timing}")
            totals[case.status] += 1
            if case.status == "failed":
                failures.append((case.title, case.message))
        skipped = [c for c in cases if c.status == "skipped" and c.message != "it.skip"]
        if skipped:
            out.append("")
            out.append(f"  (sandbox) {len(skipped)} test(s) could not be evaluated without "
                       f"Node.js: {skipped[0].message}")
        out.append("")
    for title, message in failures:
        out.append(f"  ● {' › '.join(title)}")
        out.append("")
        out += ["    " + line if line else "" for line in message.splitlines()]
        out.append("")
    total = sum(totals.values())
    counts = ", ".join(f"{totals[k]} {k}" for k in ("failed", "skipped", "passed") if totals[k])
    suites = ", ".join(part for part in (f"{suites_failed} failed" if suites_failed else "",
                                         f"{len(files) - suites_failed} passed"
                                         if len(files) - suites_failed else "") if part)
    out.append(f"Test Suites: {suites}, {len(files)} total")
    out.append(f"Tests:       {counts}, {total} total" if total else "Tests:       0 total")
    out.append("Snapshots:   0 total")
    out.append("Time:        0.412 s")
    out.append("Ran all test suites.")
    return (1 if totals["failed"] else 0), "\n".join(out) + "\n"
