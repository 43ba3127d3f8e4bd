"""fleetml's python_function loader: a whole fleet as one MLflow model.

    model = mlflow.pyfunc.load_model("runs:/<parent run id>/fleet_model")
    predictions = model.predict(df)   # df: the device column and the session's features

Each row is answered by its own device's model (XGBoost UBJ or fleetml's linear JSON), read from the model packs
beside this file on first use and kept. A row whose device has no model (unknown, failed or skipped in the session)
gets NaN. Needs numpy and pandas, and xgboost for tree models. Also usable without MLflow:
fleetml_pyfunc.FleetModel("<fleet_model>/data").predict(df).
"""
import csv
import json
import os
import re
import zipfile

import numpy as np

FORMAT = 1


def _load_pyfunc(data_path):
    """MLflow's entry point for a python_function flavor with a loader_module."""
    return FleetModel(data_path)


def _device_key(value):
    """A device id as the session keeps it: text; integral numbers without a fraction (7.0 -> '7')."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return None if value is None else str(value)


class _Linear:
    def __init__(self, raw):
        m = json.loads(raw)
        self.features = list(m["features"])
        self.coefficients = np.asarray(m["coefficients"], dtype=float)
        self.intercept = float(m["intercept"])

    def predict(self, frame):
        x = frame[self.features].to_numpy(dtype=float)
        return x @ self.coefficients + self.intercept


def _stored_base_score(raw):
    """The intercept as fleetml's XGBoost (2.x and later) stores it in UBJ: a vector, e.g. "[3.5385368E0]"; None if a number."""
    at = raw.find(b"base_score")
    if at < 0:
        return None
    m = re.search(rb"\[([-+0-9.eE]+)\]", raw[at:at + 80])
    return float(m.group(1)) if m else None


class _XGBoost:
    def __init__(self, raw, features):
        import xgboost
        self.xgboost = xgboost
        self.booster = xgboost.Booster()
        self.booster.load_model(bytearray(raw))
        self.features = features
        # XGBoost before 2.0 (Debian 12 has 1.7.4) reads the trees of a 2.x/3.x model but not its intercept, which 2.0
        # began to store as a vector: it silently takes 0.5 instead. The loader puts the stored one back.
        self.shift = 0.0
        stored = _stored_base_score(raw)
        if stored is not None:
            config = json.loads(self.booster.save_config())
            loaded = float(config["learner"]["learner_model_param"]["base_score"])
            if abs(loaded - stored) > 1e-6 * max(1.0, abs(stored)):
                objective = config["learner"]["objective"]["name"]
                if objective != "reg:squarederror":
                    raise ValueError("xgboost %s misreads this model's intercept (objective %s); install xgboost 2.0 or later"
                                     % (xgboost.__version__, objective))
                self.shift = stored - loaded

    def predict(self, frame):
        x = frame[self.features].to_numpy(dtype=float)
        names = self.booster.feature_names
        matrix = self.xgboost.DMatrix(x, missing=np.nan, feature_names=list(names) if names else None)
        return self.booster.predict(matrix, output_margin=True) + self.shift


class FleetModel:
    """One model per device; predict() routes each row to its device's model."""

    def __init__(self, data_path):
        self.data_path = data_path
        with open(os.path.join(data_path, "fleet.json"), encoding="utf-8") as f:
            self.meta = json.load(f)
        if self.meta.get("format", 1) > FORMAT:
            raise ValueError("this fleet model was written by a newer fleetml (format %s); export it again" % self.meta["format"])
        self.device_column = self.meta["device_column"]
        self.features = list(self.meta["features"])
        self.index = {}
        with open(os.path.join(data_path, "devices.csv"), encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                self.index[row["device_id"]] = (row["pack"], row["entry"])
        self._packs = {}
        self._models = {}

    def _pack(self, name):
        pack = self._packs.get(name)
        if pack is None:
            path = os.path.normpath(os.path.join(self.data_path, name))
            if not path.startswith(os.path.normpath(self.data_path) + os.sep):
                raise ValueError("pack outside the model's data: %s" % name)
            pack = zipfile.ZipFile(path)
            self._packs[name] = pack
        return pack

    def model(self, device):
        """The model of `device` (a device id as the session has it), or None when it has none."""
        if device in self._models:
            return self._models[device]
        where = self.index.get(device)
        model = None
        if where is not None:
            pack = self._pack(where[0])
            for name in (where[1] + "model.ubj", where[1] + "model.json"):
                try:
                    raw = pack.read(name)
                except KeyError:
                    continue
                model = _XGBoost(raw, self.features) if name.endswith(".ubj") else _Linear(raw)
                break
        self._models[device] = model
        return model

    def predict(self, model_input, params=None):
        import pandas as pd
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        missing = [c for c in [self.device_column] + self.features if c not in frame.columns]
        if missing:
            raise ValueError("the input lacks column(s) %s; give the device column %r and the features %s"
                             % (", ".join(missing), self.device_column, ", ".join(self.features)))
        out = np.full(len(frame), np.nan)
        keys = np.asarray([_device_key(v) for v in frame[self.device_column].tolist()], dtype=object)
        for device in pd.unique(keys):
            if device is None:
                continue
            model = self.model(device)
            if model is None:
                continue
            rows = np.flatnonzero(keys == device)
            out[rows] = model.predict(frame.iloc[rows])
        return pd.Series(out, index=frame.index, name="prediction")
