"""The C library, loaded once with ctypes: its structs, prototypes and errors.

Which libcdrl.so is loaded: $CDRL_LIBRARY if set (a path), else the one the
dynamic loader finds by its SONAME (an installed cdrl, LD_LIBRARY_PATH), else
build/libcdrl.so of the source tree this package sits in.
"""
import ctypes
import os

SONAME = "libcdrl.so.0.1"
ENV_MAX_DIM = 16
ERROR_MAX = 1024


class CdrlError(Exception):
    """An error reported by libcdrl: `code` is its CDRL_E* value, str() its message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class InvalidArgumentError(CdrlError, ValueError):
    """CDRL_EINVAL: a bad argument, option, action or config value."""


class StateError(CdrlError, RuntimeError):
    """CDRL_ESTATE: a call not allowed now (a step before reset or after the end)."""


class FileError(CdrlError, OSError):
    """CDRL_EIO / CDRL_ECORRUPT: a file could not be read or written, or is damaged."""


class UnavailableError(CdrlError, RuntimeError):
    """CDRL_EUNAVAIL: a feature or resource this build or run does not have."""


_ERRORS = {1: InvalidArgumentError, 2: FileError, 3: FileError, 5: StateError, 7: UnavailableError}


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * ERROR_MAX)]


class EnvSpec(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("obs_dim", ctypes.c_int),
        ("obs_low", ctypes.c_double * ENV_MAX_DIM),
        ("obs_high", ctypes.c_double * ENV_MAX_DIM),
        ("action_count", ctypes.c_int),
        ("action_dim", ctypes.c_int),
        ("action_low", ctypes.c_double * ENV_MAX_DIM),
        ("action_high", ctypes.c_double * ENV_MAX_DIM),
        ("max_episode_steps", ctypes.c_int),
        ("solved_threshold", ctypes.c_double),
        ("solved_window", ctypes.c_int),
        ("obs_hidden", ctypes.c_uint32),
    ]


class StepResult(ctypes.Structure):
    _fields_ = [("reward", ctypes.c_double), ("terminated", ctypes.c_int), ("truncated", ctypes.c_int)]


class EnvView(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_char_p),
        ("state_dim", ctypes.c_int),
        ("state", ctypes.POINTER(ctypes.c_double)),
        ("n_params", ctypes.c_int),
        ("params", ctypes.POINTER(ctypes.c_double)),
        ("last_action", ctypes.c_double),
        ("steps", ctypes.c_int),
        ("episode_return", ctypes.c_double),
    ]


class EvalResult(ctypes.Structure):
    _fields_ = [
        ("episodes", ctypes.c_int),
        ("eval_mean", ctypes.c_double),
        ("eval_std", ctypes.c_double),
        ("mc_mean", ctypes.c_double),
        ("mc_std", ctypes.c_double),
        ("mc_spread", ctypes.c_double),
        ("spread_what", ctypes.c_char * 64),
    ]


class TrainResult(ctypes.Structure):
    _fields_ = [
        ("solved", ctypes.c_int),
        ("env_steps", ctypes.c_int64),
        ("episodes", ctypes.c_int64),
        ("iterations", ctypes.c_int64),
        ("last_mean_return", ctypes.c_double),
    ]


PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


class TrainOptions(ctypes.Structure):
    _fields_ = [
        ("agent", ctypes.c_char_p),
        ("env", ctypes.c_char_p),
        ("config_file", ctypes.c_char_p),
        ("overrides", ctypes.POINTER(ctypes.c_char_p)),
        ("n_overrides", ctypes.c_int),
        ("run_dir", ctypes.c_char_p),
        ("progress", PROGRESS_FN),
        ("user", ctypes.c_void_p),
    ]


def _load():
    path = os.environ.get("CDRL_LIBRARY")
    if path:
        return ctypes.CDLL(path)
    try:
        return ctypes.CDLL(SONAME)
    except OSError:
        here = os.path.dirname(os.path.abspath(__file__))
        tree = os.path.join(here, "..", "..", "build", "libcdrl.so")
        if os.path.exists(tree):
            return ctypes.CDLL(tree)
        raise OSError(f"cdrl: cannot find {SONAME}: install cdrl, set LD_LIBRARY_PATH, "
                      "or set CDRL_LIBRARY to the path of libcdrl.so") from None


lib = _load()

_p = ctypes.c_void_p
_err = ctypes.POINTER(Error)
_dp = ctypes.POINTER(ctypes.c_double)
_u8p = ctypes.POINTER(ctypes.c_uint8)
_PROTOTYPES = {
    "cdrl_version": (ctypes.c_char_p, []),
    "cdrl_build_info": (ctypes.c_char_p, []),
    "cdrl_env_create": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_p), _err]),
    "cdrl_env_set_option": (ctypes.c_int, [_p, ctypes.c_char_p, ctypes.c_char_p, _err]),
    "cdrl_env_free": (None, [_p]),
    "cdrl_env_spec_of": (ctypes.POINTER(EnvSpec), [_p]),
    "cdrl_env_reset_seeded": (ctypes.c_int, [_p, ctypes.c_uint64, _dp, _err]),
    "cdrl_env_reset": (ctypes.c_int, [_p, _dp, _err]),
    "cdrl_env_step": (ctypes.c_int, [_p, _dp, _dp, ctypes.POINTER(StepResult), _err]),
    "cdrl_env_view_of": (EnvView, [_p]),
    "cdrl_env_names": (ctypes.POINTER(ctypes.c_char_p), []),
    "cdrl_vec_env_create": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint64,
                                           ctypes.POINTER(_p), _err]),
    "cdrl_vec_env_set_option": (ctypes.c_int, [_p, ctypes.c_char_p, ctypes.c_char_p, _err]),
    "cdrl_vec_env_set_threads": (ctypes.c_int, [_p, ctypes.c_int, _err]),
    "cdrl_vec_env_free": (None, [_p]),
    "cdrl_vec_env_spec_of": (ctypes.POINTER(EnvSpec), [_p]),
    "cdrl_vec_env_reset": (ctypes.c_int, [_p, _dp, _err]),
    "cdrl_vec_env_step": (ctypes.c_int, [_p, _dp, _dp, _dp, _u8p, _u8p, _dp, _err]),
    "cdrl_vec_env_episode_stats": (None, [_p, ctypes.c_int, _dp, ctypes.POINTER(ctypes.c_int)]),
    "cdrl_policy_load": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_p), _err]),
    "cdrl_policy_free": (None, [_p]),
    "cdrl_policy_env_spec": (ctypes.POINTER(EnvSpec), [_p]),
    "cdrl_policy_make_env": (ctypes.c_int, [_p, ctypes.POINTER(_p), _err]),
    "cdrl_policy_seed": (None, [_p, ctypes.c_uint64]),
    "cdrl_policy_act": (ctypes.c_int, [_p, _dp, ctypes.c_int, ctypes.c_int, _dp, _dp, _err]),
    "cdrl_eval_run": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_longlong,
                                     ctypes.POINTER(EvalResult), _err]),
    "cdrl_train": (ctypes.c_int, [ctypes.POINTER(TrainOptions), ctypes.POINTER(TrainResult), _err]),
}
for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes


def call(fn, *args):
    """Calls a libcdrl function whose last argument is a cdrl_error*, raising its error."""
    err = Error()
    rc = fn(*args, ctypes.byref(err))
    if rc != 0:
        message = err.msg.decode("utf-8", "replace") or f"libcdrl error {rc}"
        raise _ERRORS.get(rc, CdrlError)(rc, message)
    return rc


def encode(text):
    return None if text is None else str(text).encode("utf-8")
