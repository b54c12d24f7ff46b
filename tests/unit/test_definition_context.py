"""Which definitions a completion prompt shows: what the cursor refers to, how a reference
resolves (imports, receivers' types, base classes), and what fits the budget."""

from __future__ import annotations

from dataclasses import replace

import msgspec

from codesaga.domain.definition_context import (
    ITEM_HEAD,
    Choice,
    Scope,
    Selection,
    _cost,
    _parameter_type,
    choose,
    keeps,
    module_match,
    resolve,
    wanted,
)
from codesaga.domain.definitions import Definition, SymbolTable
from codesaga.domain.languages import detect_language
from codesaga.domain.symbol_refs import (
    Import,
    Reference,
    call_at_cursor,
    imports,
    known_types,
    member_at_cursor,
    references,
    strong_references,
)
from codesaga.service.definition_extract import extract_definitions
from tests.apart import run_apart

FILES = {
    "/w/pkg/shapes.py": '''
class Shape:
    """Something with an area."""
    def area(self) -> float: ...
    def scaled(self, factor: float) -> "Shape": ...
    def _private(self): ...

class Canvas:
    def __init__(self, width: int, height: int) -> None: ...
    def draw(self, shape: Shape, *, at: tuple[int, int] = (0, 0)) -> None:
        """Draw a shape at a point."""
    def drop(self, shape: Shape) -> None: ...
    def clear(self) -> None: ...
''',
    "/w/pkg/geometry/util.py": '''
def helper(value: int) -> int:
    """The geometry helper."""
def distance(a: "Point", b: "Point") -> float: ...
''',
    "/w/pkg/text/util.py": '''
def helper(text: str, *, width: int = 80) -> str:
    """The text helper."""
''',
    "/w/pkg/filler.py": "\n".join(f"def filler_{i}(a, b, c): ...\n" for i in range(40)),
}


def symbols() -> SymbolTable:
    table = SymbolTable()
    for path, text in FILES.items():
        found = extract_definitions("python", text, path)
        assert found is not None
        table.put(path, found)
    return table


def chosen(before: str, after: str = "\n", *, budget: int = 2000, path: str = "/w/pkg/app.py"):
    table = symbols()
    scope = Scope(table, path, "python", before, after)
    selection = choose(wanted(references(before, after), scope), budget, _language)
    return selection, dict(selection.chunks)


def _language(path: str) -> str:
    return detect_language(path).id


# -- what the cursor refers to ----------------------------------------------------------


def test_the_call_being_typed() -> None:
    assert call_at_cursor("x = draw(shape, at=(1, ") == ("", "draw")
    assert call_at_cursor("canvas.draw([a, b], ") == ("canvas", "draw")
    assert call_at_cursor("self.canvas.draw(make(1), ") == ("self.canvas", "draw")
    assert call_at_cursor("new Foo<T>(a, ") == ("", "Foo")
    assert call_at_cursor("def area(w, ") is None  # a definition's parameters
    assert call_at_cursor("if (ok) {\n  x = ") is None  # in a block, not in a call
    assert call_at_cursor("x = f(a); y = ") is None


def test_the_member_being_typed() -> None:
    assert member_at_cursor("    canvas.dr") == ("canvas", "dr")
    assert member_at_cursor("    self.canvas.") == ("self.canvas", "")
    assert member_at_cursor("    x = 1") is None
    strong = strong_references("    canvas.draw(shape, ")
    assert strong == [Reference("draw", "canvas", strong=True)]


def test_nearby_names_come_nearest_first() -> None:
    refs = references("a = far()\nb = near()\nc = here(", ")\nd = below()\n")
    names = [r.name for r in refs]
    assert names.index("here") < names.index("near") < names.index("far")
    assert "below" in names


def test_imports_in_each_language() -> None:
    py = imports("from .geometry.util import helper as h, distance\nimport os.path\n", "python")
    assert py["h"] == Import("h", ".geometry.util", "helper")
    assert py["os"] == Import("os", "os.path", None)
    ts = imports('import Ajv, { compile, type Opts as O } from "./core"\n', "typescript")
    assert ts["compile"].module == "./core" and ts["O"].name == "Opts"
    assert ts["Ajv"].name == "default"
    go = imports('import (\n\tstr "strings"\n\t"example.com/geo"\n)\n', "go")
    assert go["str"].module == "strings" and go["geo"] == Import("geo", "example.com/geo", None)
    rust = imports("use crate::geo::{Point, Shape as S};\n", "rust")
    assert rust["S"] == Import("S", "crate::geo", "Shape")
    java = imports("import com.example.geo.Point;\n", "java")
    assert java["Point"] == Import("Point", "com.example.geo", "Point")


def test_imports_of_a_long_file_without_semicolons_or_quotes() -> None:
    # Its every `export` was scanned on to the end of the file (16 s for 280 KB): the names
    # between `import` and `from` are read within a bound that a long import list fits.
    listed = ",\n".join(f"  name{n}" for n in range(60))
    head = f"import {{\n{listed}\n}} from './names'\nimport type {{ A }} from './a'\n"
    body = "".join(f"export interface T{n} {{\n  f{n}: number\n}}\n\n" for n in range(3000))
    found = imports(head + body + "export { b } from './b'\n", "typescript")
    assert set(found) == {*(f"name{n}" for n in range(60)), "A", "b"}
    assert found["name59"].module == "./names" and found["b"].module == "./b"


def test_receivers_types_from_constructors_and_annotations() -> None:
    types = known_types(
        "canvas = Canvas(1, 2)\ndef f(shape: Shape):\n    self.pen = Pen()\n", "", "python"
    )
    assert types["canvas"] == "Canvas" and types["shape"] == "Shape"
    assert types["self.pen"] == "Pen"
    ts = known_types("const c = new Canvas<Shape>(1)\nlet s: geo.Shape;\n", "", "typescript")
    assert ts == {"c": "Canvas", "s": "Shape"}
    assert known_types("func (p *Point) Area()", "", "go")["p"] == "Point"


def test_python_annotations_name_a_class_as_a_string_or_inside_optional() -> None:
    before = (
        'def f(env: "Environment", node: t.Optional["Node"], pen: Optional[Pen]):\n'
        "    self.canvas: 'Canvas' = make()\n"
        "    self.shape: Optional[Shape] = None\n"
    )
    types = known_types(before, "", "python")
    assert types["env"] == "Environment" and types["node"] == "Node"
    assert types["pen"] == "Pen" and types["self.canvas"] == "Canvas"
    assert types["self.shape"] == types["shape"] == "Shape"  # not `Optional`, the wrapper
    # In TypeScript a quoted name is a string literal type, not a class.
    assert "kind" not in known_types('let kind: "Canvas";\n', "", "typescript")
    assert _parameter_type('def __init__(self, md: "MarkdownIt") -> None:', "md") == "MarkdownIt"


def test_module_matching() -> None:
    doc = "/w/pkg/app.py"
    assert module_match("/w/pkg/geometry/util.py", doc, ".geometry.util") == 100
    assert module_match("/w/pkg/text/util.py", doc, ".geometry.util") == 0
    assert module_match("/w/pkg/geometry/util.py", doc, "pkg.geometry.util") == 3
    assert module_match("/w/src/core.ts", "/w/src/app.ts", "./core.js") == 100
    assert module_match("/w/src/core/index.ts", "/w/src/app.ts", "./core") == 100
    assert module_match("/w/geo/point.go", "/w/main.go", "example.com/geo") == 1


# -- resolution and choice ------------------------------------------------------------


def test_definitions_chosen_for_a_cursor_inside_a_call() -> None:
    before = (
        "from .shapes import Canvas, Shape\n\n"
        "def paint(canvas: Canvas, shape: Shape) -> None:\n"
        "    canvas.draw(shape, "
    )
    selection, chunks = chosen(before)
    outline = chunks["/w/pkg/shapes.py"]
    assert "def draw(self, shape: Shape, *, at: tuple[int, int] = (0, 0)) -> None:" in outline
    assert '"""Draw a shape at a point."""' in outline
    assert outline.startswith("class ")  # the method inside its class's header
    assert ("/w/pkg/shapes.py", 10, "draw") in selection.keys
    # The filler no line refers to is not shown.
    assert "/w/pkg/filler.py" not in chunks


def test_the_receivers_class_is_outlined_with_its_public_methods() -> None:
    _, chunks = chosen("canvas = Canvas(640, 480)\nfor s in shapes:\n    canvas.")
    outline = chunks["/w/pkg/shapes.py"]
    assert "class Canvas:" in outline
    for method in ("def draw(", "def drop(", "def clear("):
        assert method in outline
    # What is typed of the member comes first: within a small budget, only what matches it.
    _, typed = chosen("canvas = Canvas(640, 480)\ncanvas.dr", budget=200)
    outline = typed["/w/pkg/shapes.py"]
    assert "def draw(" in outline and "def drop(" in outline and "def clear(" not in outline


def test_up_to_ten_members_named_as_typed_are_shown_in_the_classs_order() -> None:
    # A class with many get* methods (msal's Authority): at `.ge` the one the line
    # wants was often past the sixth. Ten: +4 member lines shown of 209 on the repository
    # bench's sets, +3 of 159 on sets not looked at before; no change at a line's start.
    path = "/w/pkg/cache.py"
    methods = "".join(f"    def get_{i}(self) -> int: ...\n" for i in range(12))
    table = SymbolTable()
    table.put(path, extract_definitions("python", "class Cache:\n" + methods, path) or [])
    before = "from .cache import Cache\ncache = Cache()\ncache.ge"
    scope = Scope(table, "/w/pkg/app.py", "python", before, "\n")
    ranked = wanted(references(before, "\n"), scope)
    typed = [item[0].name for item in ranked if item[0].name.startswith("get_")]
    assert typed == [f"get_{i}" for i in range(10)]


def test_many_names_imported_and_not_used_are_re_exports_and_come_last() -> None:
    names = ", ".join(f"filler_{i}" for i in range(9))
    before = f"from .filler import {names}\nfrom .text.util import helper\n\nx = helper(1)\n"
    scope = Scope(symbols(), "/w/pkg/app.py", "python", before, "\n")
    ranked = wanted(references(before, "\n"), scope)
    assert ranked[0][0].name == "helper"
    assert {item[0].name for item in ranked[1:]} == {f"filler_{i}" for i in range(9)}


def test_an_object_of_a_known_class_passed_along_is_outlined() -> None:
    # No member of `surface` is used yet; what the next line may call on it is shown.
    _, chunks = chosen("from .shapes import Canvas\n\nsurface: Canvas = make()\nkeep(surface)\n")
    outline = chunks["/w/pkg/shapes.py"]
    assert "class Canvas:" in outline and "def draw(" in outline and "def clear(" in outline
    # A class named is shown with its constructor, not with all its methods.
    _, chunks = chosen("from .shapes import Canvas\n\nkeep(Canvas)\n")
    assert "def __init__(" in chunks["/w/pkg/shapes.py"]
    assert "def draw(" not in chunks["/w/pkg/shapes.py"]


def test_an_imported_name_resolves_to_its_module() -> None:
    _, chunks = chosen("from .text.util import helper\n\nx = helper(")
    assert "def helper(text: str" in chunks["/w/pkg/text/util.py"]
    assert "/w/pkg/geometry/util.py" not in chunks
    _, chunks = chosen("from .geometry import util\n\nx = util.helper(")
    assert "def helper(value: int)" in chunks["/w/pkg/geometry/util.py"]
    assert "/w/pkg/text/util.py" not in chunks
    # From a library: nothing of the workspace.
    _, chunks = chosen("from textwrap import helper\n\nx = helper(")
    assert chunks == {}


def test_a_member_comes_from_the_base_class() -> None:
    table = symbols()
    table.put(
        "/w/pkg/circle.py",
        extract_definitions(
            "python", "from .shapes import Shape\nclass Circle(Shape): ...\n", "/w/pkg/circle.py"
        )
        or [],
    )
    scope = Scope(table, "/w/pkg/app.py", "python", "c = Circle()\nc.scaled(", "")
    found = resolve(Reference("scaled", "c", strong=True), scope)
    assert [(d.container, d.name) for d in found] == [("Shape", "scaled")]


def test_of_many_classes_of_one_name_the_nearest_are_searched_for_a_member() -> None:
    # A large tree (vendored copies) held 125 `StreamReader`s: each, with its bases, had
    # its members read whole, 700 ms for one prompt.
    from codesaga.domain import definition_context

    table = SymbolTable()
    for n in range(60):
        path = f"/w/vendor/copy{n}/streams.py"
        text = (
            f"class Base{n}:\n    def close(self): ...\n"
            f"class Reader(Base{n}):\n    def read_{n}(self): ...\n"
        )
        table.put(path, extract_definitions("python", text, path) or [])
    near = "/w/app/streams.py"
    table.put(
        near, extract_definitions("python", "class Reader:\n    def read(self): ...\n", near) or []
    )
    searched: list[str] = []
    members = table.members

    def counted(container: object, near: str | None = None) -> list[Definition]:
        searched.append(str(getattr(container, "path", container)))
        return members(container, near)  # type: ignore[arg-type]

    table.members = counted  # type: ignore[method-assign]
    scope = Scope(table, "/w/app/main.py", "python", "r = Reader()\nr.read(", "")
    found = resolve(Reference("read", "r", strong=True), scope)
    assert [(d.path, d.name) for d in found] == [(near, "read")]
    assert searched[0] == near
    assert len(searched) <= 2 * definition_context.MAX_SAME_NAMED_CLASSES  # with their bases


CHAINED = {
    "/w/lib/md.py": """
class Renderer:
    def render(self, tokens: list) -> str: ...
    def _escape(self, text: str) -> str: ...

class Token:
    def attr_set(self, name: str, value: str) -> None: ...

class State:
    md: "Markdown"
    def push(self, kind: str) -> Token: ...

class Markdown:
    def __init__(self, renderer: Renderer) -> None: ...
    def normalize_link(self, url: str) -> str: ...
""",
    "/w/lib/client.ts": """
export interface ICrypto {
    createNewGuid(): string;
}
export class BaseClient {
    protected crypto: ICrypto;
    constructor(private logger: Logger) {}
}
export class Logger {
    verbose(message: string): void {}
}
export class Cheerio<T> {
    _make(elems: T[]): Cheerio<T> { return this; }
    first(): Cheerio<T> { return this; }
}
""",
}


def chained_scope(before: str, language: str = "python", path: str = "/w/lib/app.py") -> Scope:
    table = SymbolTable()
    for file, text in CHAINED.items():
        table.put(file, extract_definitions(_language(file), text, file) or [])
    # The document is indexed too, as far as it parses (with the rest of its text).
    table.put(
        path, extract_definitions(language, before + "\n" + DOCUMENT_END[language], path) or []
    )
    return Scope(table, path, language, before, "\n")


DOCUMENT_END = {"python": "", "typescript": "}}}"}


def test_a_receivers_type_follows_declared_members_and_return_types() -> None:
    before = "def rule(state: State) -> None:\n    token = state.push('text')\n    "
    scope = chained_scope(before)
    assert scope.type_of("state.md") == "Markdown"  # a field's annotation
    assert scope.type_of("token") == "Token"  # what the method called returns
    assert scope.type_of("state.md.renderer") == "Renderer"  # the constructor's parameter
    assert scope.type_of("state.nothing") is None
    # A cycle in what the text assigns ends without a type.
    assert chained_scope("node = node.next()\nnode.").type_of("node") is None
    found = resolve(Reference("normalize_link", "state.md", strong=True), scope)
    assert [(d.container, d.name) for d in found] == [("Markdown", "normalize_link")]
    ts = chained_scope(
        "class AuthClient extends BaseClient {\n  run() {\n    this.crypto.",
        "typescript",
        "/w/lib/auth.ts",
    )
    assert ts.type_of("this.crypto") == "ICrypto"  # declared in the base class
    assert ts.type_of("this.logger") == "Logger"  # a constructor's parameter property


def test_this_is_the_type_a_function_declares_for_it() -> None:
    # Methods written apart from their class (cheerio's API): `this` is what they declare.
    before = "export function first<T>(this: Cheerio<T>): Cheerio<T> {\n  return this."
    scope = chained_scope(before, "typescript", "/w/lib/api.ts")
    assert scope.type_of("this") == "Cheerio"
    found = resolve(Reference("", "this", strong=True, prefix=True), scope)
    assert [d.name for d in found] == ["Cheerio"]
    # Inside the class, its private members are outlined too; elsewhere only public ones.
    inside = chained_scope("class Sub(Renderer):\n    def go(self):\n        self.run()\n        ")
    names = {d.name for item in wanted(references(inside.before, "\n"), inside) for d in item}
    assert {"render", "_escape"} <= names
    outside = chained_scope("r = Renderer()\nr.render([])\n")
    names = {d.name for item in wanted(references(outside.before, "\n"), outside) for d in item}
    assert "render" in names and "_escape" not in names


def test_a_member_of_an_unknown_receiver_is_guessed_unless_the_languages_own_types_have_it() -> (
    None
):
    scope = Scope(symbols(), "/w/pkg/app.py", "python", "things.drop(", "")
    found = resolve(Reference("drop", "things", strong=True), scope)
    assert [(d.container, d.name) for d in found] == [("Canvas", "drop")]
    # `things.clear()` empties a list or a dict far more often than it calls Canvas.clear.
    scope = Scope(symbols(), "/w/pkg/app.py", "python", "things.clear(", "")
    assert resolve(Reference("clear", "things", strong=True), scope) == []
    # With the receiver's type in view, the class's own member is shown whatever its name.
    scope = Scope(symbols(), "/w/pkg/app.py", "python", "c = Canvas(1, 2)\nc.clear(", "")
    found = resolve(Reference("clear", "c", strong=True), scope)
    assert [(d.container, d.name) for d in found] == [("Canvas", "clear")]


def test_a_name_imported_and_not_used_yet_comes_before_the_names_around_the_cursor() -> None:
    before = (
        "from .geometry.util import distance\nfrom .text.util import helper\n\n"
        "def label(a, b):\n    first = helper(a)\n    second = helper(b)\n    "
    )
    ranked = wanted(
        references(before, "\n"), Scope(symbols(), "/w/pkg/app.py", "python", before, "\n")
    )
    assert [item[0].name for item in ranked] == ["distance", "helper"]
    # Within a budget for one of them, the one the text shows no use of yet.
    _, chunks = chosen(before, budget=90)
    assert list(chunks) == ["/w/pkg/geometry/util.py"]
    # Once used, it is a name like the others: nearest first.
    used = before + "d = distance(first, second)\n    "
    ranked = wanted(references(used, "\n"), Scope(symbols(), "/w/pkg/app.py", "python", used, "\n"))
    assert [item[0].name for item in ranked] == ["distance", "helper"]
    used = before.replace("second = helper(b)", "d = distance(a, b)\n    second = helper(b)")
    ranked = wanted(references(used, "\n"), Scope(symbols(), "/w/pkg/app.py", "python", used, "\n"))
    assert [item[0].name for item in ranked] == ["helper", "distance"]


def test_an_ambiguous_name_without_a_hint_is_left_out() -> None:
    table = symbols()
    for i in range(4):
        path = f"/w/pkg/m{i}/run.py"
        table.put(path, extract_definitions("python", "def go(): ...\n", path) or [])
    scope = Scope(table, "/w/pkg/app.py", "python", "go(", "")
    assert resolve(Reference("go", strong=True), scope) == []


def test_the_budget_keeps_the_most_relevant() -> None:
    before = (
        "from .shapes import Canvas\nfrom .geometry.util import distance\n"
        "from .text.util import helper\n\nx = helper("
    )
    small, small_chunks = chosen(before, budget=120)
    assert list(small_chunks) == ["/w/pkg/text/util.py"]  # the call being typed, alone
    large, large_chunks = chosen(before, budget=2000)
    assert small.keys < large.keys
    assert list(large_chunks)[-1] == "/w/pkg/text/util.py"  # the most relevant, last
    assert sum(len(text) for text in small_chunks.values()) <= 120


def test_a_long_outline_does_not_crowd_out_the_next_definition() -> None:
    table = symbols()
    canvas = table.named("Canvas")[0]
    methods = table.members(canvas)  # __init__, draw, drop, clear
    fillers = [table.named(f"filler_{i}")[0] for i in range(8)]
    helper = table.named("helper")[0]
    outline = [canvas, *methods, *fillers]  # one item, longer than the budget allows
    items = [outline, [helper]]
    budget = sum(_cost(d) for d in [*outline[:ITEM_HEAD], helper]) + 200
    selection = choose(items, budget, _language)
    assert helper.key in selection.keys  # the next item's own definition
    assert all(d.key in selection.keys for d in outline[:ITEM_HEAD])
    assert not all(d.key in selection.keys for d in outline)  # its rest, as far as it fits
    alone = choose([outline], budget, _language)  # without the next item, more of the outline
    assert sum(d.key in alone.keys for d in outline) > sum(d.key in selection.keys for d in outline)


def test_what_a_document_shows_changes_only_when_it_must() -> None:
    draw = symbols().named("draw")[0]
    clear = symbols().named("clear")[0]
    shown = Choice(
        Selection((("/w/pkg/shapes.py", "..."),), frozenset({draw.key})), 40, True, 1000, 7
    )

    def kept(strong: list[Definition], line: int = 41, **changes: object) -> bool:
        state = {"complete": True, "budget": 1000, "version": 7} | changes
        return keeps(shown, strong, line, **state)  # type: ignore[arg-type]

    assert kept([draw]) and kept([]) and kept([], version=8)  # typing on, the index grew
    assert not kept([clear])  # a call whose definition is not shown
    assert kept([], line=70) and not kept([], line=71)  # the cursor went elsewhere
    assert not kept([], budget=500)
    assert not keeps(None, [], 0, complete=True, budget=1000, version=7)
    building = replace(shown, complete=False)
    assert keeps(building, [], 40, complete=False, budget=1000, version=9)
    assert not keeps(building, [], 40, complete=True, budget=1000, version=9)  # once, when done
    empty = replace(shown, selection=Selection((), frozenset()))
    assert not keeps(empty, [], 40, complete=True, budget=1000, version=8)  # it may show some now
    # a file shown defines something else now (a signature changed, or it was deleted)
    held = (draw, clear)
    showing = replace(shown, files=(("/w/pkg/shapes.py", held),))
    same = {"complete": True, "budget": 1000, "version": 8}
    assert keeps(showing, [], 41, **same, current=lambda path: held)  # type: ignore[arg-type]
    changed = lambda path: (msgspec.structs.replace(draw, signature="def draw(self, x)"), clear)  # noqa: E731
    assert not keeps(showing, [], 41, **same, current=changed)  # type: ignore[arg-type]
    assert not keeps(showing, [], 41, **same, current=lambda path: ())  # type: ignore[arg-type]


def test_the_names_of_a_line_with_a_string_left_open_are_read_in_linear_time() -> None:
    # Typing a regular expression's escapes into a string not closed yet: each escape
    # doubled the time the names around the cursor took (5 s at 24), every keystroke.
    code = (
        "from codesaga.domain.symbol_refs import references\n"
        "refs = references('x = re.compile(\"' + '\\\\\\\\d' * 400, '')\n"
        "assert [(r.receiver, r.name) for r in refs] == [('re', 'compile'), ('', 're')], refs\n"
    )
    run_apart(code)
