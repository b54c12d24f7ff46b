"""`codesaga generate`: code from a description, streamed."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt, ModelOpt

app = typer.Typer()  # its commands join the root's


@app.command(
    epilog="Examples: codesaga generate 'a Python function that parses ISO dates'  ·  "
    "codesaga generate 'a bash script that backs up ~/notes' -l bash --code > backup.sh"
)
def generate(
    ctx: typer.Context,
    prompt: Annotated[
        str,
        typer.Argument(
            help="What to write; - reads it from stdin (a long one, or a file's).",
            show_default=False,
        ),
    ],
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="Language to answer in.")
    ] = None,
    code: Annotated[
        bool,
        typer.Option(
            "--code",
            "-x",
            help="Print only the answer's code, without the Markdown fence or prose (for a "
            'file or a pipe); JSON gets a "code" field.',
        ),
    ] = False,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate code from a description, streaming the answer."""
    from codesaga.domain.errors import InputError, ModelError, UnusableAnswerError
    from codesaga.domain.extract import blocks_left_out, code_blocks, extract_code

    if prompt == "-":
        if sys.stdin.isatty():  # it waited, silent, for what nobody knew to type
            render.note("reading the prompt from the terminal; end it with Ctrl-D")
        prompt = sys.stdin.read()
    if not prompt.strip():  # said here, not by a daemon started for it
        raise InputError("the prompt is empty; say what code you want")
    params = {"prompt": prompt, "language": language, "model": model}

    def code_of(result: dict[str, Any]) -> str:
        text = result["text"]
        # Cut off in the prose after its code, the blocks it closed are whole (they were
        # refused with the rest).
        cut = result.get("finish_reason") == "length"
        blocks = code_blocks(text) if cut else []
        # Only when every block was closed: one cut off inside a later block (the one
        # asked for, maybe) left a closed earlier one (`pip install ...`) to print instead.
        whole = [b for b in blocks if b.code.strip()] if all(b.closed for b in blocks) else []
        if whole:
            text = "\n".join(f"```{b.info}\n{b.code}\n```" for b in whole)
            result.setdefault("warnings", []).append(
                "the answer was cut off after its code (at max_tokens, or where the context "
                "was full): --code printed the code blocks it had closed"
            )
        elif cut:
            raise UnusableAnswerError(
                "the answer was cut off (at max_tokens, or where the model's context was "
                "full), so its code is incomplete and was not printed (the answer: codesaga "
                f"requests show {result['request_id']}); ask for less, or raise max_tokens "
                "(CODESAGA_MAX_TOKENS) or the context (CODESAGA_N_CTX)"
            )
        extracted = extract_code(text, language)
        if not extracted.strip():
            raise ModelError("the model answered without any code; run without --code to see it")
        left_out = blocks_left_out(text)
        if left_out:
            result.setdefault("warnings", []).append(
                f"the answer has {left_out + 1} code blocks and --code kept one (the longest"
                f"{f' in {language}' if language else ''}); to see them all: "
                f"codesaga requests show {result['request_id']}"
            )
        return extracted

    if as_json:
        result = Invocation.of(ctx).run_task("generate", params)
        if code:
            result["code"] = code_of(result)
        render.print_json(result)
        return
    if code:  # the code is known only once the answer is whole: show progress meanwhile
        with render.Spinner("generating") as spinner:
            result = Invocation.of(ctx).run_task("generate", params, on_delta=spinner.on_delta)
        extracted = code_of(result)
        for warning in result.get("warnings", []):
            render.warn(warning)
        sys.stdout.write(render.model_text(extracted.rstrip("\n")) + "\n")
        return

    shown = [""]  # the last text written

    def show(text: str) -> None:
        sys.stdout.write(render.model_text(text))
        sys.stdout.flush()
        shown[0] = text or shown[0]

    try:
        result = Invocation.of(ctx).run_task("generate", params, on_delta=show)
    except KeyboardInterrupt:
        if shown[0] and not shown[0].endswith("\n") and sys.stdout.isatty():
            sys.stdout.write("\n")  # "interrupted" was said at the end of the answer's line
        raise
    if not result["text"].endswith("\n"):
        sys.stdout.write("\n")
    for warning in result.get("warnings", []):
        render.warn(warning)
