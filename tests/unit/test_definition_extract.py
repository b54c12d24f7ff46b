"""What each language's files define, as the symbol index reads them, and how the chosen
definitions of one file read in a prompt."""

from __future__ import annotations

import gc

import pytest

from codesaga.domain.definitions import (
    CLASS,
    FIELD,
    FUNCTION,
    METHOD,
    TYPE,
    Definition,
    SymbolTable,
    first_doc_line,
    one_line,
    render_file,
)
from codesaga.service import definition_extract
from codesaga.service.definition_extract import extract_definitions
from tests.apart import run_apart


def table(language: str, text: str, path: str = "/w/x") -> dict[str, Definition]:
    found = extract_definitions(language, text, path)
    assert found is not None
    return {(f"{d.container}." if d.container else "") + d.name: d for d in found}


PYTHON = '''
import os
TIMEOUT = 5
_cache = {}

class Shape(Base):
    """A shape on the canvas.

    More words."""
    name: str
    sides: int = 3

    def __init__(self, name: str,
                 sides: int = 3) -> None:  # the usual
        self.name = name

    @property
    def area(self) -> float:
        """The area, in square units."""
        return 1.0

    def __repr__(self): return "x"

async def load(path: str) -> "Shape":
    def inner(): pass
    return Shape()
'''


def test_python_definitions_with_signatures_and_docstrings() -> None:
    found = table("python", PYTHON)
    assert list(found) == [
        "TIMEOUT", "Shape", "Shape.name", "Shape.sides", "Shape.__init__", "Shape.area", "load",
    ]  # fmt: skip
    assert found["Shape"].kind == CLASS and found["Shape"].doc == "A shape on the canvas."
    init = found["Shape.__init__"]
    assert init.signature == "def __init__(self, name: str, sides: int = 3) -> None:"
    assert (init.kind, init.header, init.line) == (METHOD, "class Shape(Base):", 13)
    assert found["Shape.area"].signature == "@property\ndef area(self) -> float:"
    assert found["Shape.area"].doc == "The area, in square units."
    assert found["Shape.sides"].kind == FIELD and found["Shape.sides"].signature == "sides: int = 3"
    assert found["load"].signature == 'async def load(path: str) -> "Shape":'
    assert extract_definitions("python", "def broken(:\n", "/w/x.py") is None


def test_typescript_definitions() -> None:
    found = table(
        "typescript",
        """
/** Makes a thing.
 * More. */
export function make(a: number, b?: string): Thing { return x }
export class Foo extends Bar {
  private x: number = 1
  // Runs it.
  run(n: number): void { }
  constructor(public y: string) { super() }
}
export interface Opts { name: string; go(x: number): void }
export type Id = string | number
export const helper = (x: number): number => x * 2
""",
    )
    assert found["make"].signature == "function make(a: number, b?: string): Thing"
    assert found["make"].doc == "Makes a thing."
    assert found["Foo"].signature == "class Foo extends Bar"
    assert found["Foo.run"].doc == "Runs it." and found["Foo.run"].kind == METHOD
    assert found["Foo.constructor"].signature == "constructor(public y: string)"
    assert found["Foo.x"].kind == FIELD
    assert found["Opts"].kind == CLASS and found["Opts.go"].signature == "go(x: number): void"
    assert found["Id"].kind == TYPE and found["Id"].signature == "type Id = string | number"
    assert found["helper"].kind == FUNCTION
    assert found["helper"].signature == "const helper = (x: number): number =>"


def test_comments_inside_a_signature_are_left_out() -> None:
    found = table(
        "typescript",
        """
/** A request. */
export type Request = Base & {
  /**
   * The code the server gave.
   */
  code: string; // once only
  uri: string;
}
export function send(a: number, /* retries */ b: number, // then
  c: boolean): void { }
""",
    )
    assert found["Request"].signature == "type Request = Base & {code: string; uri: string;}"
    assert found["Request"].doc == "A request."
    assert found["send"].signature == "function send(a: number, b: number, c: boolean): void"
    rust = table("rust", "pub fn go(a: i32, // the first\n    b: i32) -> i32 { a }\n")
    assert rust["go"].signature == "pub fn go(a: i32, b: i32) -> i32"


def test_javascript_definitions() -> None:
    found = table(
        "javascript",
        "// Adds.\nfunction add(a, b) { return a + b }\n"
        "class Stack { push(x) { this.items.push(x) } }\n"
        "const twice = function (f) { return f }\nmodule.exports = { add }\n",
    )
    assert list(found) == ["add", "Stack", "Stack.push", "twice"]
    assert found["add"].doc == "Adds." and found["Stack.push"].signature == "push(x)"


def test_go_definitions() -> None:
    found = table(
        "go",
        """package geo

// Point is a point.
type Point struct {
    X, Y int
}
type Shape interface { Area() float64 }
type Meters = float64

// Area computes the area.
func (p *Point) Area(scale float64) float64 { return 1 }
func NewPoint(x int) *Point { return nil }
""",
    )
    assert (
        found["Point"].signature == "type Point struct"
        and found["Point"].doc == "Point is a point."
    )
    assert found["Point.X"].kind == FIELD
    assert found["Shape.Area"].signature == "Area() float64"
    assert found["Meters"].signature == "type Meters = float64"
    method = found["Point.Area"]  # a method names its receiver's type as its container
    assert method.signature == "func (p *Point) Area(scale float64) float64"
    assert method.doc == "Area computes the area."
    assert found["NewPoint"].kind == FUNCTION


def test_rust_definitions() -> None:
    found = table(
        "rust",
        """
/// A point.
/// On a plane.
pub struct Point { pub x: i32 }
impl Shape for Point {
    /// Makes one.
    pub fn new(x: i32) -> Self { Point { x } }
}
pub trait Shape { fn area(&self) -> f64; }
pub fn free(a: u8) -> u8 { a }
""",
    )
    assert found["Point"].doc == "A point."
    assert found["Point.new"].header == "impl Shape for Point"  # the impl's type owns it
    assert found["Point.new"].doc == "Makes one."
    assert found["Shape.area"].signature == "fn area(&self) -> f64"
    assert found["free"].signature == "pub fn free(a: u8) -> u8"


def test_java_definitions() -> None:
    found = table(
        "java",
        """
/** A point. */
public class Point {
  private int x;
  /** Makes one. */
  public Point(int x) { this.x = x; }
  public int getX() { return x; }
}
interface Shape { double area(); }
""",
    )
    assert found["Point.x"].signature == "private int x"
    assert found["Point.Point"].doc == "Makes one."
    assert found["Point.getX"].signature == "public int getX()"
    assert found["Shape.area"].signature == "double area()"


def test_a_file_being_edited_still_yields_what_it_defines() -> None:
    found = table("typescript", "export function ok(a: number): number { return a }\nfunction (\n")
    assert "ok" in found


def test_an_outline_reads_like_the_file_without_bodies() -> None:
    found = table("python", PYTHON, "/w/shapes.py")
    chosen = [found["Shape"], found["Shape.__init__"], found["Shape.area"], found["load"]]
    assert render_file(chosen, "python") == (
        "class Shape(Base):\n"
        '    """A shape on the canvas."""\n'
        "    def __init__(self, name: str, sides: int = 3) -> None: ...\n"
        "    @property\n"
        "    def area(self) -> float:\n"
        '        """The area, in square units."""\n'
        'async def load(path: str) -> "Shape": ...'
    )
    go = table("go", "package g\ntype P struct { X int }\nfunc (p P) M() int { return 1 }\n")
    # A member shown without its class comes inside the class's header; Go methods stand alone.
    assert render_file([go["P.X"], go["P.M"]], "go") == (
        "type P struct {\n    X int\n}\nfunc (p P) M() int"
    )


def test_headers_on_one_line_and_first_doc_lines() -> None:
    assert one_line("def f(\n    a,\n    b,\n) -> X:") == "def f(a, b) -> X:"
    assert one_line("x" * 300).endswith("…") and len(one_line("x" * 300)) == 240
    assert first_doc_line("/**\n * Says hello.\n * @param x\n */") == "Says hello."
    assert first_doc_line("/// Makes one.\n/// More.") == "Makes one."


def test_the_table_swaps_a_files_definitions() -> None:
    symbols = SymbolTable()
    a = Definition("run", FUNCTION, "/w/a.py", 1, "def run():")
    b = Definition("run", FUNCTION, "/w/b.py", 1, "def run(x):")
    symbols.put("/w/a.py", [a])
    symbols.put("/w/b.py", [b])
    assert symbols.named("run") == [a, b] and symbols.size == 2
    symbols.put("/w/a.py", [])
    assert symbols.named("run") == [b] and symbols.size == 1
    symbols.drop("/w/b.py")
    assert symbols.named("run") == [] and len(symbols) == 1


def test_a_full_table_leaves_the_garbage_collector_nothing_to_walk() -> None:
    # Each full collection walked every definition, every file's tuple and every name's
    # list: a 250 ms pause on a large workspace, in the middle of whichever completion.
    gc.collect()
    before = len(gc.get_objects())
    symbols = SymbolTable()
    for f in range(500):
        path = f"/w/m{f}.py"
        defs = [Definition("__init__", METHOD, path, 1, "def __init__(self):", "", f"C{f}")]
        defs += [Definition(f"f{f}_{i}", FUNCTION, path, i + 2, "def f():") for i in range(19)]
        symbols.put(path, defs)
    symbols.drop("/w/m7.py")
    gc.collect()
    assert symbols.size == 499 * 20 and len(symbols.named("__init__")) == 499
    assert len(gc.get_objects()) - before < 100  # the table's own dicts, not 10,000 entries


def test_a_large_python_file_is_read_in_slices_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slices let other threads run between them (``ast`` holds the GIL)."""
    parts = []
    for i in range(30):
        parts.append(
            f'@register(\n    "x{i}",\n)\ndef f{i}(a: int) -> int:\n    """Doc {i}.\n\n'
            f'class Model(Base):  # an example in a docstring\n"""\n    return a\n\n\n'
            f"class C{i}:\n    def m{i}(self) -> None: ...\n\n"
        )
    text = "".join(parts)
    whole = extract_definitions("python", text, "/w/big.py")
    monkeypatch.setattr(definition_extract, "AST_SLICE", 200)
    assert len(list(definition_extract._python_slices(text.split("\n")))) > 10
    assert extract_definitions("python", text, "/w/big.py") == whole
    assert whole is not None and len(whole) == 90


def test_a_constants_strings_are_left_out_of_its_signature() -> None:
    # A settings file (gitignored, perhaps) would put its secrets into every prompt that
    # mentions the name.
    found = table(
        "python",
        'SECRET_KEY = "sk-live-123"\nTIMEOUT = 5\nURL: str = f"http://{HOST}/x"\n'
        'PAIR = ("a", "b\\"c")\nclass Client:\n    token = b"abc"\n    retries: int = 3\n'
        '    md: "Markdown"\n    pen: "Pen" = make("blue")\n',
    )
    assert found["SECRET_KEY"].signature == 'SECRET_KEY = "..."'
    assert found["TIMEOUT"].signature == "TIMEOUT = 5"
    assert found["URL"].signature == 'URL: str = f"..."'
    assert found["PAIR"].signature == 'PAIR = ("...", "...")'
    assert found["Client.token"].signature == 'token = b"..."'
    assert found["Client.retries"].signature == "retries: int = 3"
    assert found["Client.md"].signature == 'md: "Markdown"'  # a type, not a value
    assert found["Client.pen"].signature == 'pen: "Pen" = make("...")'


def test_a_long_strings_text_and_a_parameters_default_are_left_out_too() -> None:
    # A line over 120 characters was cut before its strings were taken out, so the string
    # was left open and shown; a parameter's default string was never taken out.
    url = "postgresql://admin:S3cr3t-Pa55w0rd@db.internal.example.com:5432/production" * 2
    found = table(
        "python",
        f'DATABASE_URL = "{url}"\n'
        'def make_client(api_key: str = "sk-live-51H8SECRET", node: "Node" = None): ...\n',
    )
    assert found["DATABASE_URL"].signature == 'DATABASE_URL = "..."'
    assert found["make_client"].signature == (
        'def make_client(api_key: str = "...", node: "Node" = None):'
    )
    ts = table("typescript", 'export function connect(key = "sk-live-9", mode: "r" | "w") {}\n')
    assert ts["connect"].signature == 'function connect(key = "...", mode: "r" | "w")'


def test_a_string_left_open_is_read_in_linear_time() -> None:
    # Read two ways, each backslash doubled the work: a generated 3 kB file of escaped
    # Unicode classes held the GIL, and the whole daemon, for 40 s.
    code = (
        "from codesaga.service.definition_extract import extract_definitions as x\n"
        "d = x('python', 'SRC = \"' + '\\\\\\\\u0041' * 400 + '\"\\n', 'g.py')\n"
        "assert d[0].signature == 'SRC = \"...\"', d[0].signature\n"
    )
    run_apart(code)
