import re
from pathlib import Path

import pytest

from codesaga.domain.enums import Role
from codesaga.domain.errors import UsageError
from codesaga.settings import config_file, load_settings


def test_home_relocates_every_directory(tmp_path: Path) -> None:
    s = load_settings({"CODESAGA_HOME": str(tmp_path)})
    for d in (s.config_dir, s.data_dir, s.cache_dir, s.state_dir, s.runtime_dir, s.models_dir):
        assert d.is_relative_to(tmp_path)
    assert s.models_dir == tmp_path / "data" / "models"


def test_defaults_per_role() -> None:
    s = load_settings({"CODESAGA_HOME": "/nowhere"})
    assert s.model_for(Role.COMPLETION) == "qwen2.5-coder-0.5b"
    assert s.model_for(Role.REFACTOR) == "qwen2.5-coder-1.5b"
    assert not s.explicit_model_for(Role.REFACTOR)


def test_codesaga_model_overrides_every_role() -> None:
    s = load_settings({"CODESAGA_HOME": "/nowhere", "CODESAGA_MODEL": "/m/x.gguf"})
    assert {s.model_for(r) for r in Role} == {"/m/x.gguf"}
    assert s.explicit_model_for(Role.CHAT)


def test_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('n_ctx = 2048\nmodel_fix = "mine"\n')
    s = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_N_CTX": "4096"})
    assert s.n_ctx == 4096
    assert s.model_for(Role.FIX) == "mine"


def test_an_empty_variable_turns_off_the_files_upstream(tmp_path: Path) -> None:
    # An empty variable read as not set: a shell had no way to run without config.toml's
    # upstream_url. Keys whose empty text means "none" take it; the others stay unset.
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(
        'upstream_url = "http://127.0.0.1:9"\nn_ctx = 2048\nmodel_fix = "mine"\n'
    )
    home = {"CODESAGA_HOME": str(tmp_path)}
    assert load_settings(home).all_upstreams()
    s = load_settings(
        {**home, "CODESAGA_UPSTREAM_URL": "", "CODESAGA_N_CTX": "", "CODESAGA_MODEL_FIX": ""}
    )
    assert s.upstream_url == "" and s.all_upstreams() == ()
    assert s.n_ctx == 2048 and s.model_for(Role.FIX) == "mine"


@pytest.mark.parametrize(
    ("env", "message"),
    [({"CODESAGA_N_CTX": "lots"}, "CODESAGA_N_CTX"), ({"CODESAGA_N_CTX": "16"}, "too small")],
)
def test_bad_values_name_the_key(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_settings({"CODESAGA_HOME": "/nowhere", **env})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        # each of these made every request fail, or asked llama.cpp for nonsense
        ({"CODESAGA_COMPLETION_CACHE_SIZE": "-1"}, "completion_cache_size = -1 is too small"),
        ({"CODESAGA_MAX_QUEUE": "0"}, "max_queue = 0 is too small; use at least 1"),
        ({"CODESAGA_MAX_TOKENS": "0"}, "max_tokens = 0 is too small"),
        ({"CODESAGA_N_BATCH": "0"}, "n_batch = 0"),
        ({"CODESAGA_N_THREADS": "-2"}, "n_threads = -2"),
        ({"CODESAGA_TEMPERATURE": "nan"}, "temperature = nan is not a number"),
        ({"CODESAGA_WS_PORT": "70000"}, "ws_port = 70000 is not a port"),
        ({"CODESAGA_TEMPERATURE": "50"}, "temperature = 50.0; use 0 to 2"),
    ],
)
def test_numbers_out_of_range_are_refused_naming_the_key(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_settings({"CODESAGA_HOME": "/nowhere", **env})
    # the keys' own ways of saying "off" or "auto" stay
    off = {"CODESAGA_WS_PORT": "-1", "CODESAGA_OPENAI_PORT": "-1", "CODESAGA_IDLE_TIMEOUT": "0"}
    assert load_settings({"CODESAGA_HOME": "/nowhere", **off}).ws_port == -1


def test_a_value_out_of_range_says_where_it_was_set(tmp_path: Path) -> None:
    # "n_ctx = 10 is too small" sent users through config.toml for their shell's variable.
    env = {"CODESAGA_HOME": str(tmp_path)}
    with pytest.raises(UsageError, match=r"too small; use at least 256 \(set by CODESAGA_N_CTX\)"):
        load_settings({**env, "CODESAGA_N_CTX": "10"})
    config = load_settings(env).config_dir / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("max_queue = 0\n")
    with pytest.raises(UsageError, match=f"at least 1 \\(set by {re.escape(str(config))}\\)"):
        load_settings(env)


def test_the_config_file_cannot_name_another_config_dir(tmp_path: Path) -> None:
    # The client read this file; the daemon it started was given the other directory and
    # read another file (or none), so none of this one's settings were in force there.
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(f'config_dir = "{tmp_path / "else"}"\n')
    with pytest.raises(UsageError, match="config_dir cannot be set in the config file"):
        load_settings({"CODESAGA_HOME": str(tmp_path)})


def test_unknown_key_in_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("n_cxt = 1\n")
    with pytest.raises(UsageError, match="unknown key 'n_cxt'"):
        load_settings({"CODESAGA_HOME": str(tmp_path)})


def test_every_key_is_documented() -> None:
    for key, env, _, doc in load_settings({"CODESAGA_HOME": "/x"}).describe():
        assert env.startswith("CODESAGA_" + key.upper()) or key == "upstreams"
        assert doc


def test_fingerprint_names_what_a_daemon_would_not_share(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(
        '[[upstreams]]\nname = "gpu"\nurl = "http://127.0.0.1:9/v1"\nkey = "sk-first"\n'
    )
    base = {"CODESAGA_HOME": str(tmp_path)}
    ours = load_settings(base).fingerprint()

    def differ(**env: str) -> set[str]:
        theirs = load_settings({**base, **env}).fingerprint()
        return {key for key in ours if theirs[key] != ours[key]}

    assert differ() == set()
    assert differ(CODESAGA_MODELS_DIR="/elsewhere") == {"models_dir"}
    assert differ(CODESAGA_MODEL_CHAT="mine", CODESAGA_MAX_QUEUE="3") == {"model_chat", "max_queue"}
    assert differ(CODESAGA_UPSTREAM_KEY="sk-other") == {"upstream_key"}
    # what only the command reads (the hook's mode, where pulls come from) is no difference
    assert differ(CODESAGA_HOOK_MODE="apply", CODESAGA_HF_ENDPOINT="http://127.0.0.1:9") == set()
    assert differ(CODESAGA_VERIFY_TIMEOUT_SECONDS="5") == set()
    assert "hook_mode" not in ours
    # a key kept out of reprs still counts, and only digests leave: never the key itself
    (tmp_path / "config" / "config.toml").write_text(
        '[[upstreams]]\nname = "gpu"\nurl = "http://127.0.0.1:9/v1"\nkey = "sk-second"\n'
    )
    assert differ() == {"upstreams"}
    assert "sk-" not in repr(ours)
    assert all(len(digest) == 16 and int(digest, 16) >= 0 for digest in ours.values())


def test_config_file_is_the_one_load_settings_reads(tmp_path: Path) -> None:
    env = {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_CONFIG_DIR": str(tmp_path / "cfg")}
    assert config_file(env) == tmp_path / "cfg" / "config.toml"  # what the daemon watches
    (tmp_path / "cfg").mkdir()
    config_file(env).write_text("n_ctx = 2048\n")
    assert load_settings(env).n_ctx == 2048


def test_typed_values_are_checked_when_read(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    config = tmp_path / "config" / "config.toml"
    config.write_text('fast_apply = true\nhook_globs = ["*.py", "*.go"]\ncache_responses = 0\n')
    s = load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_COMPLETION_WARM": "off"})
    assert s.fast_apply is True and s.cache_responses is False and s.completion_warm is False
    assert s.hook_globs == ("*.py", "*.go")
    env = {"CODESAGA_HOME": str(tmp_path), "CODESAGA_UPSTREAM_ROLES": "chat, fix"}
    assert load_settings(env).upstream_roles == (Role.CHAT, Role.FIX)
    assert load_settings({**env, "CODESAGA_PRIVATE_PATHS": "*.env,secrets/*"}).privacy.match(
        "app/secrets/key.pem"
    )


@pytest.mark.parametrize(
    "line",
    ["n_ctx = 4096.9", "temperature = true", "model_chat = 5", "model_chat = [1, 2]",
     'hook_instruction = {a = 1}', 'model_chat = " "', 'model = " "', "model = 5"],
)  # fmt: skip
def test_a_toml_value_of_another_type_is_refused_not_converted(tmp_path: Path, line: str) -> None:
    # n_ctx = 4096.9 was 4096, temperature = true 1.0, model_chat = [1, 2] the text "[1, 2]".
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(line + "\n")
    with pytest.raises(UsageError, match=f"{line.split()[0]} = .* is not a valid"):
        load_settings({"CODESAGA_HOME": str(tmp_path)})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CODESAGA_COMPLETION_ORDER": "sfm"}, "completion_order = 'sfm' is not one of auto, psm"),
        ({"CODESAGA_HOOK_MODE": "sugest"}, "hook_mode = 'sugest' is not one of suggest, apply"),
        ({"CODESAGA_FAST_APPLY": "maybe"}, "fast_apply = 'maybe' is not true or false"),
        ({"CODESAGA_UPSTREAM_ROLES": "chat,poetry"}, "roles must be among"),
    ],
)
def test_a_typo_in_a_choice_or_flag_names_the_key_and_the_choices(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        load_settings({"CODESAGA_HOME": "/nowhere", **env})


def test_paths_in_the_file_are_beside_it_and_empty_values_are_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative `models_dir` meant each process's own folder (a client and the daemon it
    # started disagreed on where the models are); `model = ""` counted as a model chosen
    # for every role, so no role could fall back to another installed preset.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODELS_HOME", str(tmp_path / "shared"))
    config = tmp_path / "home" / "config"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        'models_dir = "models"\nstate_dir = "$MODELS_HOME/state"\nmodel = ""\n'
    )
    s = load_settings({"CODESAGA_HOME": str(tmp_path / "home")})
    assert s.models_dir == config / "models"
    assert s.state_dir == tmp_path / "shared" / "state"
    assert s.model is None and not s.explicit_model_for(Role.CHAT)
    relative = load_settings({"CODESAGA_HOME": "h", "CODESAGA_MODELS_DIR": "m"})
    assert relative.models_dir == tmp_path / "m"  # the shell's folder, made absolute


def test_a_model_file_named_by_a_relative_path_is_found_by_every_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `model_chat = "my.gguf"` in config.toml was looked for in each process's own folder,
    # the daemon's being wherever it started; `$VARS` were not expanded either.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODELS_HOME", str(tmp_path / "shared"))
    config = tmp_path / "home" / "config"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        'model_chat = "my.gguf"\nmodel_fix = "$MODELS_HOME/fix.GGUF"\n'
        'model_refactor = "qwen2.5-coder-0.5b"\n'
    )
    (config / "my.gguf").write_bytes(b"GGUF")
    (tmp_path / "g.gguf").write_bytes(b"GGUF")
    env = {
        "CODESAGA_HOME": str(tmp_path / "home"),
        "CODESAGA_MODEL_GENERATE": "g.gguf",
        "CODESAGA_MODEL_COMPLETION": "installed.gguf",
    }
    s = load_settings(env)
    assert s.model_chat == str(config / "my.gguf")
    assert s.model_fix == str(tmp_path / "shared" / "fix.GGUF")
    assert s.model_refactor == "qwen2.5-coder-0.5b"  # a preset's name is no path
    assert s.model_generate == str(tmp_path / "g.gguf")  # the shell's folder, made absolute
    # No such file here: a name the models dir (or an upstream, `gpu/m.gguf`) knows.
    assert s.model_completion == "installed.gguf"


def test_a_variable_spelled_almost_as_a_setting_is_said_and_other_names_are_left_alone() -> None:
    from codesaga.settings import misspelled_variables

    said = misspelled_variables(
        {
            "CODESAGA_N_CXT": "8192",  # the context stayed 4096, and nothing said so
            "CODESAGA_MODLE": "qwen2.5-coder-0.5b",
            "CODESAGA_UPSTREAMS": "gpu",  # tables: config.toml's only
            "CODESAGA_GPU_KEY": "secret",  # an upstream's key_env may name any variable
            "CODESAGA_MODEL": "qwen2.5-coder-0.5b",
            "CODESAGA_CONFIG_DIR": "/elsewhere",
            "CODESAGA_HOME": "/home",
            "CODESAGA_SKIP": "1",
            "N_CXT": "1",
        }
    )
    assert said == [
        "CODESAGA_MODLE is no setting and sets nothing: did you mean CODESAGA_MODEL?",
        "CODESAGA_N_CXT is no setting and sets nothing: did you mean CODESAGA_N_CTX?",
        "CODESAGA_UPSTREAMS sets nothing: [[upstreams]] are read from config.toml only",
    ]
    assert misspelled_variables({}) == []
