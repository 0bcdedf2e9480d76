"""config: the one table of training settings, and what is generated from it."""

import argparse
import json

import pytest

from llms_from_scratch import config
from llms_from_scratch.config import SETTINGS, TrainError
from llms_from_scratch.errors import UserError


def _parser():
    parser = argparse.ArgumentParser()
    config.add_arguments(parser)
    return parser


def _help_of(parser, setting):
    for action in parser._actions:
        if setting.flag in action.option_strings:
            return action.help
    raise AssertionError(f"no flag {setting.flag}")


def test_every_setting_has_one_flag_whose_help_shows_the_tables_default():
    parser = _parser()
    for setting in SETTINGS:
        text = _help_of(parser, setting)
        if setting.shown_default():
            assert text.endswith(f"(default: {setting.shown_default()})"), text
            assert text.count("(default:") == 1, text
    # A value typed as a string in the table's default shows up as it is.
    assert _help_of(parser, config.BY_NAME["n_layer"]).endswith(
        f"(default: {config.DEFAULTS['n_layer']})")
    assert _help_of(parser, config.BY_NAME["fast"]).endswith("(default: off)")


def test_flags_not_given_stay_unset_and_given_ones_have_the_tables_type():
    args = vars(_parser().parse_args(["--n-layer", "3", "--lr", "0.01", "--no-progress"]))
    assert args == {"n_layer": 3, "lr": 0.01, "progress": False, "config": None}


def test_defaults_pass_their_own_checks_and_are_what_no_flags_resolve_to():
    config.check_config(dict(config.DEFAULTS))
    assert config.resolve_config() == config.DEFAULTS


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.type is int and not s.nullable],
                         ids=lambda s: s.name)
def test_integer_settings_below_their_minimum_name_the_flag(setting):
    with pytest.raises(TrainError, match=setting.flag):
        config.resolve_config({setting.name: int(setting.minimum) - 1})
    with pytest.raises(TrainError, match=f"{setting.flag} must be an integer"):
        config.resolve_config({setting.name: 1.5})


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.below is not None],
                         ids=lambda s: s.name)
def test_bounded_settings_refuse_their_upper_bound(setting):
    with pytest.raises(TrainError, match=f"{setting.flag} must be below"):
        config.resolve_config({setting.name: setting.below})


def test_config_file_keys_as_flags_and_unknown_keys(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"--max-iters": 7, "n-embd": 32}))
    assert config.read_config_file(path) == {"max_iters": 7, "n_embd": 32}
    path.write_text(json.dumps({"layers": 2}))
    with pytest.raises(TrainError, match="unknown setting 'layers'"):
        config.read_config_file(path)
    assert issubclass(TrainError, UserError)


def test_resume_takes_the_checkpoints_settings_and_only_the_resumable_changes():
    saved = dict(config.DEFAULTS, n_layer=2, max_iters=10)
    cfg = dict(config.DEFAULTS, n_layer=2, max_iters=20, eval_iters=3)
    merged = config.resumed_config(saved, cfg, explicit={"max_iters"})
    assert merged["max_iters"] == 20 and merged["n_layer"] == 2
    assert merged["eval_iters"] == config.DEFAULTS["eval_iters"]  # not given: the saved one
    assert "max_iters" in config.RESUMABLE_CHANGES and "n_layer" not in config.RESUMABLE_CHANGES
    with pytest.raises(TrainError, match="cannot change --n-layer 3"):
        config.resumed_config(saved, dict(cfg, n_layer=3), explicit={"n_layer"})
