"""The ``layerbot`` command: the terminal front end.

    layerbot ask "/dense 86400 4" [--json] [--lang en|zh]
    layerbot dense 86400 4                 (a thin alias: builds the line "/dense 86400 4")
    layerbot explain [FILE|-] [--json] [--format F] [--framework keras|torch] [--input-shape 256x256x3]

Subcommands live in a registry (:func:`register`): each is a name, a help line, a function that
adds its options to an ``argparse`` sub-parser, and a function that runs it.  Modules listed in
:data:`EXTENSIONS` are imported when the parser is built and may register more (explain, chat,
run, sync, db, doctor, invite, bench ...); one that fails to import is reported, not fatal.

Exit status: 0 done; 2 the input was wrong (every :class:`~calc.errors.LayerbotError`, and
argparse usage errors), with one line on stderr saying what and what is accepted; 1 an unexpected
failure (one apologetic line, never a traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, TextIO

from calc.commands import commands, run
from calc.errors import LayerbotError
from calc.i18n import LOCALES, Message, locale_of
from calc.parse.text import MAX_CHARS

__all__ = ["EXTENSIONS", "Console", "Subcommand", "build_parser", "default_lang", "main", "register"]

EXIT_OK, EXIT_BUG, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

EXTENSIONS: list[str] = ["bot.db_cli", "bot.run_cli", "bot.ops_cli"]
"""Modules that register more subcommands when imported (``bot.explain_cli`` ...)."""


@dataclass
class Console:
    """Where a subcommand writes, and in which language.  Writes never fail on a narrow encoding."""

    out: TextIO
    err: TextIO
    lang: str = "en"
    json: bool = False

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        try:
            stream.write(text + "\n")
        except UnicodeEncodeError:
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write(text.encode(encoding, "replace").decode(encoding) + "\n")

    def print(self, text: str = "") -> None:
        self._write(self.out, text)

    def error(self, text: str) -> None:
        self._write(self.err, " ".join(text.split()))  # always exactly one line


Runner = Callable[[argparse.Namespace, Console], int]
Configure = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    run: Runner
    configure: Configure | None = None
    aliases: tuple[str, ...] = field(default=())


_SUBCOMMANDS: dict[str, Subcommand] = {}


def register(
    name: str, help: str, run: Runner, configure: Configure | None = None, *, aliases: Sequence[str] = ()
) -> None:
    """Add a subcommand.  Registering a name twice is a programming error."""
    if name in _SUBCOMMANDS:
        raise ValueError(f"layerbot subcommand {name!r} registered twice")
    _SUBCOMMANDS[name] = Subcommand(name, help, run, configure, tuple(aliases))


def subcommands() -> Mapping[str, Subcommand]:
    return dict(_SUBCOMMANDS)


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language POSIX would pick for messages: LC_ALL, then LC_MESSAGES, then LANG."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(var):
            return locale_of(env[var])
    return "en"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and still exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def _common_options() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    common.add_argument("--lang", choices=LOCALES, help="language of the answer (default: from LC_ALL / LANG)")
    return common


# --------------------------------------------------------------------------------------------
# ask, and the command aliases.


def _answer(line: str, console: Console) -> int:
    result = run(line)
    if console.json:
        from bot.render.json import dumps, result_document

        console.print(dumps(result_document(result)))
    else:
        from bot.render.text import write

        write(result, console.lang, console.print)
    return EXIT_OK


def _run_ask(ns: argparse.Namespace, console: Console) -> int:
    return _answer(" ".join(ns.line), console)


def _configure_ask(p: argparse.ArgumentParser) -> None:
    p.add_argument("line", nargs="+", help='one command line, e.g. "/dense 86400 4" (see layerbot help)')


def _run_alias(ns: argparse.Namespace, console: Console) -> int:
    return _answer(" ".join([f"/{ns.subcommand}", *ns.args]), console)


def _configure_alias(p: argparse.ArgumentParser) -> None:
    p.add_argument("args", nargs="*", help="the command's arguments, as after the slash command")


register("ask", "run one slash command, exactly as the Discord bot would", _run_ask, _configure_ask)


# --------------------------------------------------------------------------------------------
# explain: a pasted summary, table, repr or code from a file or stdin.

_READ_LIMIT = 4 * MAX_CHARS + 4  # bytes: enough for the longest paste in UTF-8; longer is refused by clean()


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Windows' PowerShell redirect), else bytes as read."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _read_source(source: str, console: Console) -> str | None:
    try:
        if source == "-":
            stdin = sys.stdin
            if stdin is None:
                console.error("layerbot explain: no standard input to read; give a FILE")
                return None
            if stdin.isatty():
                console.error("layerbot explain: paste the summary, then press Ctrl-D (Ctrl-Z Enter on Windows)")
            buffer = getattr(stdin, "buffer", None)
            return _decode(buffer.read(_READ_LIMIT)) if buffer is not None else stdin.read(_READ_LIMIT)
        with open(source, "rb") as fh:
            return _decode(fh.read(_READ_LIMIT))
    except OSError as exc:
        console.error(f"layerbot explain: cannot read {source}: {exc.strerror or type(exc).__name__}")
        return None


def _run_explain(ns: argparse.Namespace, console: Console) -> int:
    from bot.render.report_json import dumps as report_dumps
    from bot.render.report_text import write_report
    from calc.errors import InputError
    from calc.explain import explain

    text = _read_source(ns.file, console)
    if text is None:
        return EXIT_INPUT
    try:
        report = explain(text, format=ns.format, framework=ns.framework, input_shape=ns.input_shape)
    except InputError as exc:
        if exc.message.key != "error.no_model":
            raise  # one line, from main()
        # The one multi-line error: what layerbot reads, with a two-line example of each.
        Console._write(console.err, exc.message.render(console.lang))
        if console.json:
            from bot.render.json import dumps, error_document

            console.print(dumps(error_document(exc), indent=None))
        return EXIT_INPUT
    if console.json:
        console.print(report_dumps(report))
    else:
        write_report(report, console.lang, console.print)
    return EXIT_OK  # mismatches are findings in the report, not errors


def _configure_explain(p: argparse.ArgumentParser) -> None:
    from calc.parse import FORMATS

    p.add_argument("file", nargs="?", default="-", metavar="FILE",
                   help="a text file with the summary, table, print(model) or code; - or nothing reads stdin")
    p.add_argument("--format", choices=[f.value for f in FORMATS], help="the input format (default: detected)")
    p.add_argument("--framework", choices=["keras", "torch"], help="whose rules to use (default: the format's)")
    p.add_argument("--input-shape", dest="input_shape", metavar="SHAPE",
                   help="the model's input without the batch axis, e.g. 256x256x3 (when the text lacks it)")


register(
    "explain",
    "re-derive every layer of a pasted model summary, torchinfo/torchsummary table, print(model) or Keras code",
    _run_explain,
    _configure_explain,
)

for _spec in commands():
    if _spec.name in _SUBCOMMANDS:  # a command with its own subcommand (explain reads a file)
        continue
    register(
        _spec.name,
        f"{Message(_spec.help).render('en')} (= layerbot ask \"/{_spec.name} ...\")",
        _run_alias,
        _configure_alias,
        aliases=[name for name, _ in _spec.aliases],
    )


# --------------------------------------------------------------------------------------------


def _load_extensions(console: Console | None) -> None:
    for module in EXTENSIONS:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - a broken extension must not take the CLI down
            if console is not None:
                console.error(f"layerbot: could not load {module} ({type(exc).__name__}); its commands are missing")


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = _Parser(
        prog="layerbot",
        description="Answers neural-network layer-sizing questions exactly, and shows its work.",
    )
    sub = parser.add_subparsers(dest="subcommand", metavar="<command>", parser_class=_Parser)
    for cmd in _SUBCOMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help, parents=[common], aliases=list(cmd.aliases))
        if cmd.configure is not None:
            cmd.configure(p)
        p.set_defaults(_run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    console = Console(out, err, default_lang())
    _load_extensions(console)
    parser = build_parser()
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        console.error("layerbot: say what to do, e.g. layerbot ask \"/dense 86400 4\" (see layerbot --help)")
        return EXIT_INPUT
    try:
        saved = sys.stdout, sys.stderr  # argparse prints --help and usage errors to sys.std*
        sys.stdout, sys.stderr = out, err
        try:
            ns = parser.parse_args(args)
        finally:
            sys.stdout, sys.stderr = saved
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    console.lang = getattr(ns, "lang", None) or console.lang
    console.json = bool(getattr(ns, "json", False))
    try:
        code: int = ns._run(ns, console)
        return code
    except LayerbotError as exc:
        from bot.render.text import render_error

        console.error(render_error(exc, console.lang))
        if console.json:
            from bot.render.json import dumps, error_document

            console.print(dumps(error_document(exc), indent=None))
        return EXIT_INPUT
    except KeyboardInterrupt:
        console.error("layerbot: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`layerbot ask ... | head`); nothing left to say to it.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the one place an unexpected failure becomes one line
        console.error(
            f"layerbot: sorry, something went wrong on our side ({type(exc).__name__}); "
            "this is a bug, please report it with the command you ran"
        )
        return EXIT_BUG


if __name__ == "__main__":
    # `python -m bot.cli` runs this file as __main__; extensions register into the module `bot.cli`.
    from bot.cli import main as _main

    sys.exit(_main())
