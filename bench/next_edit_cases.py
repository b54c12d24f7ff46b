#!/usr/bin/env python3
"""The next-edit benchmark's cases: real multi-place edits from other projects' histories.

A case is one file in one commit of a fetched repository (a bare git directory, laid out as
the search tool's ``fetch`` puts it: MIRRORS/owner+name/repo, where MIRRORS is ``--mirrors``
or the CODESAGA_MIRRORS environment variable). Its hunks are difflib's
line diff without context, each narrowed to the characters that differ (next_edit_text.py).
One hunk is the user's edit (the first in the file; for a signature change, the
definition's); the other hunks are the truth, the edits a next-edit suggestion should find.
A commit qualifies when the file has 2..MAX_HUNKS hunks of at most MAX_HUNK_LINES lines each
that repeat one change (next_edit_kinds.py: rename, signature, similar), in a file of at most
MAX_FILE_LINES lines; a "noise" case is a commit that changes one place of one file only
(nothing should be suggested). At most one case per commit, and at most CAPS of each kind per
project, newest commits first.

The set is kept in two files of a data directory (default bench/data/next_edit):

- ``manifest.json`` (committed): for each case its repository, commit, parent, path,
  language, kind, which hunk is the user's, and hashes of the file's two texts: enough to
  rebuild it, and no code of those projects (fetched code is not committed here);
- ``cases.json`` (built, not committed): each case with the file before the commit
  (``before``), the user's edit (``edits``, ranges in ``before``) and the truth (``truth``,
  ranges in the file after the user's edit: ``content``, which load_cases adds).

A broad sample (``sample``) takes no kinds and no caps: every file change of the last
SAMPLE_COMMITS commits of each project (the same languages and sizes as a case), its first
hunk as the user's edit and the others as the truth, of kind ``one-hunk`` (nothing should be
suggested) or ``hunks``. Nothing is chosen by what the change is, so it measures what a rule
costs and finds on changes as they come (``next_edit_bench.py --finder --data DIR``); it is
written to ``DIR/cases.json`` only (no manifest: rebuild it from the mirrors). A classified
sample (``classified``) keeps of one or more samples the changes ``mine`` would take, one
per commit and without caps: a set built like the benchmark's, several times larger.

Usage:
  python bench/next_edit_cases.py mine [--repos owner/name,...] [--data DIR]
  python bench/next_edit_cases.py build [--data DIR]   # cases.json from manifest.json
  python bench/next_edit_cases.py check [--data DIR]   # what --check-data does
  python bench/next_edit_cases.py sample --repos ... --data DIR [--commits N]
  python bench/next_edit_cases.py classified --samples DIR,... --data DIR
A held-out set: ``mine --repos <other projects> --data <another dir>`` (bench/data/
next_edit_heldout was mined from HELD_OUT_REPOS, next_edit_heldout2 to 44 from
HELD_OUT_REPOS_2 to 44), then run the bench with ``--data`` that dir. Fetch each repository
first (the search tool's ``fetch``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from next_edit_git import Blobs, Commit, commits, git_dir_of
from next_edit_kinds import Kind, change_tokens, classify
from next_edit_text import Edit, Hunk, apply_edits, hunks, rebase

DATA = Path(__file__).resolve().parent / "data" / "next_edit"
DEFAULT_REPOS = [
    "pallets/click", "encode/httpx", "pallets/flask", "Textualize/rich",
    "marshmallow-code/marshmallow", "psf/requests", "python-attrs/attrs",
    "sindresorhus/ky", "expressjs/express", "tj/commander.js",
    "spf13/cobra", "gin-gonic/gin",
]  # fmt: skip
# Other projects, for a held-out set (bench/data/next_edit_heldout: mine --repos these).
HELD_OUT_REPOS = [
    "pallets/jinja", "encode/starlette", "fastapi/typer", "urfave/cli", "sindresorhus/got",
]  # fmt: skip
# A second held-out set, mined later (bench/data/next_edit_heldout2), once the first had been
# looked at case by case.
HELD_OUT_REPOS_2 = [
    "pallets/werkzeug", "encode/uvicorn", "sindresorhus/execa", "spf13/viper", "labstack/echo",
]  # fmt: skip
# A third (bench/data/next_edit_heldout3), mined after all of the finder's changes of that
# session and run once before any of its cases was read.
HELD_OUT_REPOS_3 = [
    "aio-libs/yarl", "pydantic/pydantic-settings", "sindresorhus/p-queue", "go-chi/chi",
    "koajs/koa", "gorilla/mux", "pallets/quart", "fastify/fastify",
]  # fmt: skip
# A fourth (bench/data/next_edit_heldout4), mined before the next session's finder changes;
# their effect was judged on its totals, then some of its signature and noise cases were read.
HELD_OUT_REPOS_4 = [
    "honojs/hono", "uber-go/zap", "encode/httpcore", "sindresorhus/ora", "spf13/pflag",
    "pallets/itsdangerous", "urllib3/urllib3", "gofiber/fiber",
]  # fmt: skip
# A fifth (bench/data/next_edit_heldout5), mined then and run only before and after those
# changes, no case of it read.
HELD_OUT_REPOS_5 = [
    "pytest-dev/pluggy", "aio-libs/multidict", "python-poetry/tomlkit", "hapijs/joi",
    "gorilla/websocket", "spf13/afero", "sindresorhus/meow", "marshmallow-code/webargs",
    "go-playground/validator",
]  # fmt: skip
# A sixth (bench/data/next_edit_heldout6), mined at the start of a session, its finder-alone
# figures taken (next_edit_bench.py --finder) before any change of that session.
HELD_OUT_REPOS_6 = [
    "pypa/packaging", "Delgan/loguru", "python-jsonschema/jsonschema", "yargs/yargs",
    "colinhacks/zod", "sirupsen/logrus", "stretchr/testify", "axios/axios",
]  # fmt: skip
# A seventh (bench/data/next_edit_heldout7), mined at the start of the next session and run
# before any change of that session. Not held out: seven of its projects are DEFAULT_REPOS,
# and 159 of its 173 cases are the development set's (bench/data/next_edit) own.
HELD_OUT_REPOS_7 = [
    "pallets/click", "python-attrs/attrs", "Textualize/rich", "expressjs/express",
    "sindresorhus/ky", "chalk/chalk", "spf13/cobra", "gin-gonic/gin",
]  # fmt: skip
# An eighth (bench/data/next_edit_heldout8), mined at the start of a later session from
# projects no set or sample had, and run before any change of that session; no case read.
HELD_OUT_REPOS_8 = [
    "hynek/structlog", "jd/tenacity", "pinojs/pino", "jquense/yup", "moment/luxon",
    "go-resty/resty", "mitchellh/mapstructure", "samber/lo",
]  # fmt: skip
# A ninth (bench/data/next_edit_heldout9), mined in the session that read the eighth, after
# its finder changes were made and before any was measured on it; no case read.
HELD_OUT_REPOS_9 = [
    "python-humanize/humanize", "encode/databases", "hynek/stamina", "chaijs/chai",
    "expressjs/body-parser", "sinclairzx81/typebox", "rs/zerolog", "joho/godotenv",
]  # fmt: skip
# A tenth (bench/data/next_edit_heldout10), mined in the session after, once its first two
# finder changes were made (both read off earlier sets), from projects no set or sample had;
# no case read.
HELD_OUT_REPOS_10 = [
    "agronholm/anyio", "python-attrs/cattrs", "unjs/h3", "unjs/ofetch", "jshttp/cookie",
    "BurntSushi/toml", "fatih/color", "google/uuid",
]  # fmt: skip
# An eleventh (bench/data/next_edit_heldout11), mined in the session after, once its first
# finder changes were made (read off the samples and per-line runs of earlier sets), from
# projects no set or sample had; no case read.
HELD_OUT_REPOS_11 = [
    "more-itertools/more-itertools", "benoitc/gunicorn", "jpadilla/pyjwt", "unjs/ufo",
    "micromatch/picomatch", "jmoiron/sqlx", "robfig/cron", "cenkalti/backoff",
]  # fmt: skip
HELD_OUT_REPOS_12 = [
    "Pylons/waitress", "mahmoud/boltons", "sqlalchemy/alembic", "pillarjs/path-to-regexp",
    "expressjs/multer", "sindresorhus/globby", "spf13/cast", "go-yaml/yaml",
    "jaredhanson/passport", "julienschmidt/httprouter",
]  # fmt: skip
HELD_OUT_REPOS_13 = [
    "tqdm/tqdm", "jazzband/pip-tools", "python-poetry/cleo", "node-fetch/node-fetch",
    "visionmedia/superagent", "immerjs/immer", "motdotla/dotenv", "rs/cors",
    "olekukonko/tablewriter", "gorilla/handlers",
]  # fmt: skip
# A fourteenth, mined after the next session's first rules (imports taken away, parameters
# renamed together), from projects no set or sample had; run once before any case was read.
HELD_OUT_REPOS_14 = [
    "tiangolo/sqlmodel", "pytest-dev/pytest-mock", "pallets/markupsafe",
    "encode/django-rest-framework", "isaacs/node-glob", "lukeed/polka", "mochajs/mocha",
    "hashicorp/go-retryablehttp", "gorilla/schema", "alecthomas/kingpin",
]  # fmt: skip
# A fifteenth, mined after the next session's rules (renames in the functions beside,
# Go error checks, imports moved to the top), from projects no set or sample had; run once
# before any case was read.
HELD_OUT_REPOS_15 = [
    "pytest-dev/pytest-xdist", "pallets-eco/blinker", "python-trio/trio", "expressjs/session",
    "expressjs/cors", "expressjs/morgan", "unjs/destr", "unjs/consola", "redis/go-redis",
    "charmbracelet/bubbletea", "gorilla/sessions", "spf13/jwalterweatherman",
]  # fmt: skip
# A sixteenth, mined after the next session's rules (an `__all__` entry renamed, a line's
# copies, a parameter renamed with its use, spelling fixes, formatters' wrapping), from
# projects no set or sample had; run once before any case was read.
HELD_OUT_REPOS_16 = [
    "agronholm/typeguard", "theskumar/python-dotenv", "mkdocs/mkdocs",
    "python-poetry/poetry-core", "pillarjs/send", "expressjs/serve-static", "lukeed/kleur",
    "iamkun/dayjs", "unjs/unstorage", "Masterminds/semver", "hashicorp/golang-lru",
    "caarlos0/env", "kelseyhightower/envconfig", "schollz/progressbar",
]  # fmt: skip
# A seventeenth, mined after the next session's mends (a Go statement's raw string, an
# `__all__` entry before a longer name, a method's calls not a module's function, no line
# assigning a name itself), from projects no set or sample had; run once before any case
# was read.
HELD_OUT_REPOS_17 = [
    "simonw/sqlite-utils", "tox-dev/filelock", "scrapy/parsel", "marshmallow-code/apispec",
    "python-babel/babel", "jshttp/mime-types", "expressjs/compression", "pillarjs/router",
    "unjs/defu", "sindresorhus/conf", "vercel/ms", "gorilla/csrf", "alecthomas/kong",
    "jessevdk/go-flags",
]  # fmt: skip
HELD_OUT_REPOS_18 = [
    "pypa/pipx", "tornadoweb/tornado", "jazzband/tablib", "mitmproxy/pdoc", "Suor/funcy",
    "validatorjs/validator.js", "mde/ejs", "winstonjs/winston", "debug-js/debug",
    "caolan/async", "google/go-cmp", "golang-jwt/jwt", "Masterminds/sprig", "gocolly/colly",
]  # fmt: skip
HELD_OUT_REPOS_19 = [
    "pgjones/hypercorn", "pyeve/cerberus", "python-validators/validators", "arrow-py/arrow",
    "nodeca/js-yaml", "jprichardson/node-fs-extra", "helmetjs/helmet", "uuidjs/uuid",
    "fb55/htmlparser2", "urfave/negroni", "tidwall/gjson", "patrickmn/go-cache",
    "jinzhu/copier", "go-ozzo/ozzo-validation",
]  # fmt: skip
HELD_OUT_REPOS_20 = [
    "bottlepy/bottle", "falconry/falcon", "wtforms/wtforms", "lepture/mistune", "mahmoud/glom",
    "jshttp/http-errors", "isaacs/node-lru-cache", "handlebars-lang/handlebars.js", "pugjs/pug",
    "sindresorhus/p-limit", "dustin/go-humanize", "hashicorp/hcl", "pkg/errors",
    "valyala/fasthttp",
]  # fmt: skip
HELD_OUT_REPOS_21 = [
    "getsentry/responses", "spulec/freezegun", "pyparsing/pyparsing", "tkem/cachetools",
    "python-websockets/websockets", "pexpect/pexpect", "jashkenas/underscore", "request/request",
    "socketio/socket.io", "jashkenas/backbone", "xeipuuv/gojsonschema", "darccio/mergo",
    "hashicorp/go-multierror", "go-kit/kit",
]  # fmt: skip
HELD_OUT_REPOS_22 = [
    "scrapy/w3lib", "pytest-dev/pytest-asyncio", "aio-libs/aiohttp", "benjaminp/six",
    "node-formidable/formidable", "mysqljs/mysql", "petkaantonov/bluebird", "reduxjs/redux",
    "pmndrs/zustand", "go-sql-driver/mysql", "lib/pq", "gomodule/redigo", "pelletier/go-toml",
    "json-iterator/go",
]  # fmt: skip
HELD_OUT_REPOS_23 = [
    "pytest-dev/pytest-cov", "hukkin/tomli", "jaraco/keyring", "PyCQA/flake8",
    "simplejson/simplejson", "npm/node-semver", "jshttp/type-is", "ai/nanoid", "jshttp/accepts",
    "go-logr/logr", "hashicorp/go-version", "bmatcuk/doublestar", "gorilla/securecookie",
    "hashicorp/go-hclog", "jmespath/jmespath.py", "pinojs/pino-pretty",
]  # fmt: skip
HELD_OUT_REPOS_24 = [
    "PyCQA/isort", "asottile/pyupgrade", "nedbat/coveragepy", "jaraco/path", "mozilla/nunjucks",
    "ljharb/qs", "isaacs/minimatch", "jshttp/negotiator", "pillarjs/cookies", "microsoft/tsyringe",
    "asaskevich/govalidator", "google/go-querystring", "mattn/go-runewidth", "jedib0t/go-pretty",
]  # fmt: skip
HELD_OUT_REPOS_25 = [
    "PyCQA/autoflake", "hhatto/autopep8", "asottile/add-trailing-comma", "hukkin/mdformat",
    "trentm/python-markdown2", "isaacs/rimraf", "janl/mustache.js", "paulmillr/readdirp",
    "visionmedia/debug", "sindresorhus/slugify", "avast/retry-go", "segmentio/ksuid",
    "tidwall/sjson", "buger/jsonparser", "peterbourgon/ff",
]  # fmt: skip
HELD_OUT_REPOS_26 = [
    "dateutil/dateutil", "msiemens/tinydb", "sdispater/pendulum", "bndr/pipreqs",
    "python-jsonschema/referencing", "markedjs/marked", "ajv-validator/ajv", "kelektiv/node-cron",
    "sindresorhus/camelcase", "node-cache/node-cache", "oklog/ulid", "montanaflynn/stats",
    "tidwall/buntdb", "knadh/koanf", "gosimple/slug",
]  # fmt: skip
HELD_OUT_REPOS_27 = [
    "PyCQA/pyflakes", "PyCQA/pycodestyle", "python-hyper/h11", "pyinvoke/invoke",
    "lark-parser/lark", "yargs/yargs-parser", "pillarjs/finalhandler", "hapijs/hoek",
    "hapijs/boom", "eta-dev/eta",
    "fsnotify/fsnotify", "alecthomas/participle", "jinzhu/now", "muesli/termenv",
    "charmbracelet/lipgloss",
]  # fmt: skip
HELD_OUT_REPOS_28 = [
    "erikrose/parsimonious", "jsonpickle/jsonpickle", "pytoolz/toolz", "r1chardj0n3s/parse",
    "psf/requests-html", "developit/mitt", "kriskowal/q", "micromatch/micromatch",
    "substack/minimist", "browserify/resolve", "medikoo/memoizee",
    "stretchr/objx", "blang/semver", "gobwas/glob", "rs/xid",
]  # fmt: skip
HELD_OUT_REPOS_29 = [
    "jazzband/prettytable", "tartley/colorama", "samuelcolvin/watchfiles",
    "python-semver/python-semver", "pytest-dev/pytest-timeout", "ai/nanoevents", "lukeed/dequal",
    "chalk/supports-color", "jshttp/statuses", "jshttp/content-type",
    "davecgh/go-spew", "go-ini/ini", "mattn/go-isatty", "pmezard/go-difflib",
    "cherrypy/cherrypy", "expressjs/method-override",
]  # fmt: skip
HELD_OUT_REPOS_30 = [
    "sloria/environs", "mozilla/bleach", "kjd/idna", "rspeer/python-ftfy", "coleifer/huey",
    "pudo/dataset", "sindresorhus/emittery", "sindresorhus/p-map", "kentcdodds/match-sorter",
    "feross/buffer", "sindresorhus/ow", "lukeed/sade", "PuerkitoBio/goquery", "kr/pretty",
    "antchfx/xpath", "gorilla/feeds",
]  # fmt: skip
HELD_OUT_REPOS_31 = [
    "pypa/twine", "pypa/build", "Pylons/webob", "agronholm/apscheduler", "pytest-dev/pytest-bdd",
    "sloria/TextBlob", "lukeed/uvu", "mafintosh/tar-stream", "npm/ini", "isaacs/node-which",
    "expressjs/csurf", "pkg/sftp", "hashicorp/go-plugin", "mitchellh/copystructure",
    "hashicorp/mdns", "gorilla/rpc",
]  # fmt: skip
HELD_OUT_REPOS_32 = [
    "martinblech/xmltodict", "eliben/pycparser", "wbond/asn1crypto", "pydata/patsy",
    "wireservice/agate", "keleshev/schema", "sdispater/tomlkit", "broofa/mime", "jshttp/etag",
    "sindresorhus/del", "moxystudio/node-proper-lockfile", "mafintosh/pump",
    "mitchellh/hashstructure", "magiconair/properties", "emirpasic/gods", "mitchellh/go-homedir",
    "justinas/alice",
]  # fmt: skip
HELD_OUT_REPOS_33 = [
    "stefankoegl/python-json-patch", "PyCQA/pydocstyle", "davidhalter/parso",
    "mgedmin/check-manifest", "pypa/readme_renderer", "PyCQA/flake8-bugbear",
    "jshttp/range-parser", "jshttp/on-finished", "pillarjs/multiparty", "sindresorhus/find-up",
    "sindresorhus/pretty-bytes", "nsf/termbox-go", "c-bata/go-prompt", "golang/groupcache",
    "valyala/fasttemplate",
]  # fmt: skip
HELD_OUT_REPOS_34 = [
    "kurtmckee/feedparser", "Python-Markdown/markdown", "dabeaz/ply", "cherrypy/cheroot",
    "aio-libs/frozenlist", "asottile/reorder-python-imports", "PyCQA/mccabe", "gawel/pyquery",
    "jshttp/fresh", "jshttp/vary", "jshttp/content-disposition", "go-chi/render",
    "go-chi/cors", "unrolled/render", "unrolled/secure", "uber-go/multierr",
    "python-hyper/h2", "pypa/wheel",
]  # fmt: skip
HELD_OUT_REPOS_35 = [
    "python-hyper/hyperframe", "python-hyper/hpack", "pytest-dev/iniconfig",
    "pypa/pyproject-hooks", "platformdirs/platformdirs", "sybrenstuvel/python-rsa",
    "pytest-dev/execnet", "pypa/distlib", "Kozea/tinycss2", "scrapy/cssselect",
    "html5lib/html5lib-python", "jshttp/proxy-addr", "expressjs/serve-index",
    "expressjs/errorhandler", "go-chi/httprate", "go-chi/jwtauth", "subosito/gotenv",
    "kballard/go-shellquote",
]  # fmt: skip
HELD_OUT_REPOS_36 = [
    "pytest-dev/pytest-rerunfailures", "jaraco/zipp", "python/importlib_metadata",
    "Kozea/cssselect2", "scrapy/itemadapter", "scrapy/queuelib", "python-hyper/wsproto",
    "python-hyper/rfc3986", "jshttp/compressible", "jshttp/basic-auth",
    "expressjs/cookie-parser", "expressjs/response-time", "go-chi/httplog",
    "sethvargo/go-retry", "oklog/run", "mitchellh/reflectwalk", "rivo/uniseg", "golang/snappy",
]  # fmt: skip
HELD_OUT_REPOS_37 = [
    "jaraco/jaraco.functools", "jaraco/jaraco.text", "pypa/pyproject-metadata",
    "jaraco/jaraco.classes", "jaraco/jaraco.context", "sethmlarson/truststore", "hukkin/tomli-w",
    "expressjs/vary", "sethvargo/go-envconfig", "hashicorp/go-cleanhttp", "jaraco/inflect",
    "pypa/installer", "agronholm/exceptiongroup", "aio-libs/aiosignal", "aio-libs/async-timeout",
    "hashicorp/go-immutable-radix", "mattn/go-colorable", "hashicorp/go-uuid", "fatih/structs",
]  # fmt: skip
HELD_OUT_REPOS_38 = [
    "jaraco/jaraco.collections", "jaraco/jaraco.path", "hynek/argon2-cffi",
    "agronholm/sqlacodegen", "aio-libs/aiohttp-jinja2", "sindresorhus/boxen",
    "hashicorp/go-getter", "tox-dev/pipdeptree", "wntrblm/nox", "python-trio/outcome",
    "python-trio/sniffio", "executablebooks/mdurl", "pexpect/ptyprocess", "asottile/tokenize-rt",
    "asottile/setup-cfg-fmt", "pre-commit/identify", "lundberg/respx",
    "samuelcolvin/dirty-equals", "celery/vine", "gruns/icecream",
    "sindresorhus/escape-string-regexp",
]  # fmt: skip
HELD_OUT_REPOS_39 = [
    "pytest-dev/pytest-randomly", "invl/retry", "astanin/python-tabulate",
    "Kludex/python-multipart", "asottile/dead", "asottile/yesqa", "pre-commit/pre-commit-hooks",
    "jupyter/jupyter_core", "kevin1024/vcrpy", "cool-RR/PySnooper", "docopt/docopt",
    "sindresorhus/p-retry", "sindresorhus/dot-prop", "hashicorp/go-memdb",
    "hashicorp/go-sockaddr", "benbjohnson/clock", "go-playground/form",
    "ionelmc/python-lazy-object-proxy", "mpdavis/python-jose",
]  # fmt: skip
HELD_OUT_REPOS_40 = [
    "kennethreitz/records", "pyca/bcrypt", "python-babel/flask-babel",
    "python-trio/trio-websocket", "chardet/chardet", "sindresorhus/env-paths", "sindresorhus/is",
    "dbader/schedule", "mwilliamson/python-mammoth", "lincolnloop/python-qrcode",
    "sindresorhus/string-width", "chalk/slice-ansi", "briandowns/spinner",
    "miguelgrinberg/python-engineio", "miguelgrinberg/Flask-Migrate", "pallets-eco/flask-wtf",
    "maxcountryman/flask-login", "corydolphin/flask-cors", "manifoldco/promptui",
    "sindresorhus/pify",
]  # fmt: skip
HELD_OUT_REPOS_41 = [
    "pallets-eco/flask-caching", "pallets-eco/flask-debugtoolbar",
    "jpadilla/django-rest-framework-jwt", "jaraco/tempora", "jaraco/portend", "jaraco/irc",
    "agronholm/cbor2", "agronholm/sphinx-autodoc-typehints", "scrapinghub/dateparser",
    "sindresorhus/make-dir", "sindresorhus/p-timeout", "sindresorhus/p-event",
    "sindresorhus/delay", "sindresorhus/query-string", "sindresorhus/file-type",
    "sindresorhus/hasha", "mattn/go-sqlite3", "sindresorhus/temp-dir", "sindresorhus/type-fest",
]  # fmt: skip
HELD_OUT_REPOS_42 = [
    "hynek/svcs", "pallets-eco/flask-sqlalchemy", "pallets-eco/wtforms", "pallets-eco/flask-admin",
    "pyca/pynacl", "miguelgrinberg/python-socketio", "miguelgrinberg/microdot",
    "jaraco/jaraco.itertools", "pallets-eco/flask-mail", "sindresorhus/np", "sindresorhus/open",
    "sindresorhus/clipboardy", "sindresorhus/get-port", "sindresorhus/quick-lru",
    "sindresorhus/serialize-error", "sindresorhus/pretty-ms", "sindresorhus/filenamify",
    "sindresorhus/log-symbols", "mattn/go-shellwords", "sindresorhus/read-pkg",
]  # fmt: skip
HELD_OUT_REPOS_43 = [
    "Pylons/pyramid", "Pylons/hupper", "Pylons/plaster", "pyca/pyopenssl", "pyca/service-identity",
    "Tinche/aiofiles", "hynek/doc2dash", "pallets-eco/flask-session", "ionelmc/pytest-benchmark",
    "sindresorhus/ansi-escapes", "sindresorhus/write-json-file", "sindresorhus/on-change",
    "sindresorhus/p-throttle", "unjs/pathe", "unjs/c12", "unjs/hookable", "uber-go/goleak",
    "uber-go/dig", "uber-go/ratelimit", "hashicorp/go-bexpr",
]  # fmt: skip
HELD_OUT_REPOS_44 = [
    "aio-libs/aiohttp-session", "pytest-dev/pytest-html", "aio-libs/async-lru", "aio-libs/aiocache",
    "tox-dev/platformdirs", "python-trio/pytest-trio", "unjs/magic-regexp", "unjs/unbuild",
    "unjs/citty", "unjs/knitwork", "unjs/mlly", "unjs/radix3", "unjs/scule", "hashicorp/memberlist",
    "hashicorp/raft", "uber-go/atomic", "uber-go/config", "uber-go/fx", "uber-go/mock",
    "uber-go/tally",
]  # fmt: skip
LANGUAGES = {
    ".py": "python", ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".go": "go",
}  # fmt: skip
SKIPPED_DIRS = ("node_modules/", "vendor/", "dist/", "third_party/", "docs/", "examples/")
MAX_FILE_LINES = 1500
MAX_HUNKS = 8
MAX_HUNK_LINES = 8
MAX_CHANGED_LINES = 80  # added + deleted in the file, read from git's numstat before diffing
MAX_COMMITS = 6000  # per repository
CAPS = {"rename": 8, "signature": 8, "similar": 8, "noise": 4}  # per project
KINDS = ("rename", "signature", "similar", "noise")
MINIMUM_CASES, MINIMUM_PROJECTS, MINIMUM_NOISE = 100, 5, 30


def digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def language_of(path: str) -> str | None:
    if path.startswith(SKIPPED_DIRS) or any(f"/{d}" in path for d in SKIPPED_DIRS):
        return None
    if path.endswith((".min.js", ".d.ts")):
        return None
    return LANGUAGES.get(Path(path).suffix)


def usable(text: str | None) -> bool:
    return text is not None and "\r" not in text and text.count("\n") <= MAX_FILE_LINES


def small(hunk: Hunk) -> bool:
    return (
        hunk.a_end - hunk.a_start <= MAX_HUNK_LINES and hunk.b_end - hunk.b_start <= MAX_HUNK_LINES
    )


def kind_of(found: list[Hunk], before: str, language: str, one_file: bool) -> Kind | None:
    """The case a file's hunks make, if any (a noise case needs a commit of one file)."""
    if not found or len(found) > MAX_HUNKS or not all(small(h) for h in found):
        return None
    if len(found) == 1:
        one_place = one_file and bool(change_tokens(found[0]))
        return Kind("noise", 0) if one_place else None
    return classify(found, before, language)


def entry(
    repo: str, commit: Commit, path: str, language: str, kind: Kind, texts: list[str]
) -> dict[str, Any]:
    return {
        "id": f"{repo.split('/')[1]}-{commit.sha[:10]}-{Path(path).name}",
        "repo": repo, "commit": commit.sha, "parent": commit.parent, "path": path,
        "language": language, "kind": kind.name, "user": kind.user,
        "before": digest(texts[0]), "after": digest(texts[1]),
    }  # fmt: skip


def mine(repo: str, mirrors: Path) -> list[dict[str, Any]]:
    """The cases of one repository, newest first, within CAPS."""
    git_dir = fetched(mirrors, repo)
    taken: Counter[str] = Counter()
    found = []
    with Blobs(git_dir) as blobs:
        for commit in commits(git_dir, MAX_COMMITS):
            for path, language, before, after in usable_changes(blobs, commit):
                kind = kind_of(hunks(before, after), before, language, len(commit.changes) == 1)
                if kind is None or taken[kind.name] >= CAPS[kind.name]:
                    continue
                taken[kind.name] += 1
                found.append(entry(repo, commit, path, language, kind, [before, after]))
                break  # one case per commit
            if all(taken[k] >= CAPS[k] for k in KINDS):
                break
    print(f"{repo}: {dict(taken)}", file=sys.stderr)
    return found


def fetched(mirrors: Path, repo: str) -> Path:
    """``repo``'s git directory; stops with what to do when it was not fetched."""
    git_dir = git_dir_of(mirrors, repo)
    if not git_dir.is_dir():
        sys.exit(f"no {git_dir}: fetch {repo} first (the search tool's fetch)")
    return git_dir


def usable_changes(blobs: Blobs, commit: Commit) -> Iterator[tuple[str, str, str, str]]:
    """The file changes of ``commit`` a case can be made of: (path, language, before, after)
    of a language's file, not too large a change nor too long a file, read as it is asked."""
    for change in commit.changes:
        language = language_of(change.path)
        if language is None or change.added + change.deleted > MAX_CHANGED_LINES:
            continue
        before = blobs.text(commit.parent, change.path)
        after = blobs.text(commit.sha, change.path) if usable(before) else None
        if before is not None and after is not None and usable(after):
            yield change.path, language, before, after


SAMPLE_COMMITS = 300
ONE_HUNK, HUNKS = "one-hunk", "hunks"  # a broad sample's kinds


def sample(repo: str, mirrors: Path, limit: int) -> list[dict[str, Any]]:
    """Every usable file change of ``repo``'s last ``limit`` commits, as a case."""
    git_dir = fetched(mirrors, repo)
    found = []
    with Blobs(git_dir) as blobs:
        for commit in commits(git_dir, limit):
            for path, language, before, after in usable_changes(blobs, commit):
                if before == after:
                    continue
                user, truth = split_hunks(before, after, 0)
                found.append({
                    "id": f"{repo.split('/')[1]}-{commit.sha[:10]}-{path}",
                    "repo": repo, "commit": commit.sha, "path": path,
                    "language": language, "kind": HUNKS if truth else ONE_HUNK,
                    "after": digest(after), "before": before, "edits": [user.to_json()],
                    "truth": [t.to_json() for t in truth],
                })  # fmt: skip
    print(f"{repo}: {len(found)} file changes", file=sys.stderr)
    return found


CLASSIFIED_NOISE = 12  # one-hunk changes per project in a classified sample


def classified(samples: list[Path]) -> list[dict[str, Any]]:
    """The broad samples' file changes that ``mine`` would take, each as its case: kinds as
    kind_of gives them (the user's hunk the first, or a signature's definition), at most one
    case per commit as ``mine`` keeps, no caps per kind, and at most CLASSIFIED_NOISE
    one-hunk changes per project as noise (a sample does not know whether the commit changed
    other files: any one-hunk change is taken). A set built like the benchmark's, hundreds
    of cases larger, to judge a rule on before a held-out run."""
    found: list[dict[str, Any]] = []
    commits_taken: set[str] = set()
    noise = Counter[str]()
    for data in samples:
        for case in load_cases(data):
            if case["content"] is None or case["commit"] in commits_taken:
                continue
            truth = [Edit.from_json(t) for t in case["truth"]]
            try:
                after = apply_edits(case["content"], truth)
            except ValueError:
                continue
            before = case["before"]
            kind = kind_of(hunks(before, after), before, case["language"], one_file=True)
            if kind is None or (kind.name == "noise" and noise[case["repo"]] >= CLASSIFIED_NOISE):
                continue
            noise[case["repo"]] += kind.name == "noise"
            commits_taken.add(case["commit"])
            user, rest = split_hunks(before, after, kind.user)
            entry = {key: case[key] for key in ("id", "repo", "commit", "path", "language")}
            entry.update(
                kind=kind.name,
                before=before,
                edits=[user.to_json()],
                truth=[t.to_json() for t in rest],
            )
            found.append(entry)
    return found


@dataclass(frozen=True)
class Built:
    case: dict[str, Any] | None
    problem: str = ""


def split_hunks(before: str, after: str, user: int) -> tuple[Edit, list[Edit]]:
    """Hunk ``user`` of the change ``before`` -> ``after`` (its range in ``before``), and the
    other hunks, their ranges in ``content`` (``before`` with that hunk made)."""
    found = hunks(before, after)
    edit = found[user].edit
    return edit, [rebase(h.edit, before, edit) for i, h in enumerate(found) if i != user]


def build_case(item: dict[str, Any], blobs: Blobs) -> Built:
    """A manifest entry's case, read from its repository; a problem when it cannot be."""
    before = blobs.text(item["parent"], item["path"])
    after = blobs.text(item["commit"], item["path"])
    if before is None or after is None:
        return Built(None, "a blob is missing")
    if digest(before) != item["before"] or digest(after) != item["after"]:
        return Built(None, "the texts differ from the manifest's")
    user, truth = split_hunks(before, after, item["user"])
    case = {key: item[key] for key in ("id", "repo", "commit", "path", "language", "kind", "after")}
    case.update(
        before=before,
        edits=[user.to_json()],
        truth=[t.to_json() for t in truth],
    )
    return Built(case)


def build(data: Path, mirrors: Path) -> None:
    manifest = json.loads((data / "manifest.json").read_text())
    cases, problems = [], Counter[str]()
    by_repo: dict[str, list[dict[str, Any]]] = {}
    for item in manifest["cases"]:
        by_repo.setdefault(item["repo"], []).append(item)
    for repo, items in by_repo.items():
        git_dir = git_dir_of(mirrors, repo)
        if not git_dir.is_dir():
            print(f"skipped {len(items)} cases of {repo}: no {git_dir} (fetch it first)")
            problems["repository not fetched"] += len(items)
            continue
        with Blobs(git_dir) as blobs:
            for item in items:
                built = build_case(item, blobs)
                if built.case is None:
                    problems[built.problem] += 1
                else:
                    cases.append(built.case)
    (data / "cases.json").write_text(
        json.dumps({"version": 1, "cases": cases}, separators=(",", ":"))
    )
    skipped = ", ".join(f"{n} ({why})" for why, n in problems.items()) or "none"
    print(f"built {len(cases)} cases into {data / 'cases.json'}; skipped: {skipped}")


def load_cases(data: Path) -> list[dict[str, Any]]:
    path = data / "cases.json"
    if not path.exists():
        sys.exit(f"no {path}: build it with python bench/next_edit_cases.py build --data {data}")
    cases = list(json.loads(path.read_text())["cases"])
    for case in cases:
        edits = [Edit.from_json(e) for e in case["edits"]]
        try:
            case["content"] = apply_edits(case["before"], edits)
        except ValueError:
            case["content"] = None  # case_problem says why
    return cases


def case_problem(case: dict[str, Any]) -> str | None:
    """What is wrong with a built case (its hunks do not apply, ...), or None."""
    try:
        edits = [Edit.from_json(e) for e in case["edits"]]
        truth = [Edit.from_json(e) for e in case["truth"]]
        apply_edits(case["before"], edits)
        if digest(apply_edits(case["content"], truth)) != case["after"]:
            return "content + truth is not the commit's file"
    except (KeyError, ValueError) as e:
        return f"{type(e).__name__}: {e}"
    if case["kind"] not in KINDS or (case["kind"] == "noise") != (not truth):
        return f"kind {case['kind']} with {len(truth)} truth edits"
    if not 1 <= len(truth) + 1 <= MAX_HUNKS:
        return f"{len(truth) + 1} hunks"
    return None


def check(data: Path) -> bool:
    """Print the set's counts per project and kind, and its problems; True when every case
    is sound and (the benchmark's own set, DATA) the set is as large as the issue asks."""
    cases = load_cases(data)
    manifest = json.loads((data / "manifest.json").read_text())["cases"]
    sound = True
    for case in cases:
        problem = case_problem(case)
        if problem:
            print(f"  {case.get('id')}: {problem}")
            sound = False
    built = {c["id"] for c in cases}
    unbuilt = [item["id"] for item in manifest if item["id"] not in built]
    if unbuilt:
        print(f"  {len(unbuilt)} manifest cases not built: {', '.join(unbuilt[:5])}")
    table: dict[str, Counter[str]] = {}
    for case in cases:
        table.setdefault(f"{case['repo']} ({case['language']})", Counter())[case["kind"]] += 1
    print(f"{'project':<44}" + "".join(f"{k:>10}" for k in KINDS))
    for project, counts in sorted(table.items()):
        print(f"{project:<44}" + "".join(f"{counts[k]:>10}" for k in KINDS))
    multi = [c for c in cases if c["kind"] != "noise"]
    projects = {c["repo"] for c in multi}
    noise = len(cases) - len(multi)
    size = (data / "cases.json").stat().st_size
    print(
        f"{len(multi)} multi-place cases from {len(projects)} projects (minimum "
        f"{MINIMUM_CASES} from {MINIMUM_PROJECTS}), {noise} noise cases (minimum "
        f"{MINIMUM_NOISE}); cases.json {size / 1e6:.1f} MB; "
        + ("every case applies" if sound else "PROBLEMS above")
    )
    large = len(multi) >= MINIMUM_CASES and len(projects) >= MINIMUM_PROJECTS
    if data.resolve() != DATA.resolve():
        return sound  # a held-out set may be smaller than the benchmark's own
    return sound and large and noise >= MINIMUM_NOISE


def write_manifest(path: Path, items: list[dict[str, Any]]) -> None:
    """One line per case, so that a rebuilt set reads as a short diff."""
    lines = ",\n".join(json.dumps(item) for item in items)
    path.write_text(f'{{"version": 1, "cases": [\n{lines}\n]}}\n')


def projects_in_other_sets(repos: list[str], data: Path) -> dict[str, list[str]]:
    """Of ``repos``, those another set's manifest next to the benchmark's has (a set of their
    commits is mostly the same cases again), each with those sets' names."""
    taken: dict[str, list[str]] = {}
    for manifest in sorted(DATA.parent.glob("*/manifest.json")):
        if manifest.parent.resolve() == data.resolve():
            continue
        has = {case["repo"] for case in json.loads(manifest.read_text())["cases"]}
        for repo in repos:
            if repo in has:
                taken.setdefault(repo, []).append(manifest.parent.name)
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["mine", "build", "check", "sample", "classified"])
    parser.add_argument("--data", type=Path, default=DATA, help="the set's directory")
    parser.add_argument(
        "--mirrors",
        type=Path,
        default=os.environ.get("CODESAGA_MIRRORS"),
        help="the fetched repositories' folder (default: $CODESAGA_MIRRORS)",
    )
    parser.add_argument("--repos", default=",".join(DEFAULT_REPOS), help="owner/name,...")
    parser.add_argument(
        "--commits", type=int, default=SAMPLE_COMMITS, help="sample: the last N commits each"
    )
    parser.add_argument(
        "--samples", default="", help="classified: the samples' directories, DIR,DIR,..."
    )
    parser.add_argument(
        "--reuse-projects",
        action="store_true",
        help="mine: allow projects that another set under bench/data already has",
    )
    args = parser.parse_args()
    if args.action == "classified":
        if not args.samples or args.data.resolve() == DATA.resolve():
            parser.error("classified takes --samples DIR,... and a --data DIR of its own")
        cases = classified([Path(d) for d in args.samples.split(",")])
        args.data.mkdir(parents=True, exist_ok=True)
        out = args.data / "cases.json"
        out.write_text(json.dumps({"version": 1, "cases": cases}, separators=(",", ":")))
        kinds = Counter(c["kind"] for c in cases)
        print(f"{len(cases)} cases ({dict(sorted(kinds.items()))}) in {out}")
        return
    if args.action != "check" and args.mirrors is None:
        parser.error("say where the fetched repositories are: --mirrors DIR or CODESAGA_MIRRORS")
    if args.action == "sample":
        if args.data.resolve() == DATA.resolve():
            parser.error("a sample is not the benchmark's set: give it a --data DIR of its own")
        args.data.mkdir(parents=True, exist_ok=True)
        found = [
            c for repo in args.repos.split(",") for c in sample(repo, args.mirrors, args.commits)
        ]
        out = args.data / "cases.json"
        out.write_text(json.dumps({"version": 1, "cases": found}, separators=(",", ":")))
        several = sum(c["kind"] == HUNKS for c in found)
        print(f"{len(found)} file changes ({several} of several hunks) in {out}")
        return
    if args.action == "mine":
        taken = projects_in_other_sets(args.repos.split(","), args.data)
        if taken and not args.reuse_projects:
            named = "; ".join(f"{repo} ({', '.join(sets)})" for repo, sets in taken.items())
            parser.error(
                f"already in another set: {named}. A held-out set's projects must be new to "
                "every set (their cases may be the same commits); --reuse-projects to mine anyway"
            )
        args.data.mkdir(parents=True, exist_ok=True)
        items = [item for repo in args.repos.split(",") for item in mine(repo, args.mirrors)]
        write_manifest(args.data / "manifest.json", items)
        print(f"{len(items)} cases in {args.data / 'manifest.json'}")
    if args.action in ("mine", "build"):
        build(args.data, args.mirrors)
    if args.action in ("mine", "check") and not check(args.data):
        sys.exit(1)


if __name__ == "__main__":
    main()
