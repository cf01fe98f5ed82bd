"""Builds requests with the official Python SDKs and prints what each would send, sending nothing.

Used by tests/generality.rs (the differential test against the generated clients). Reads JSON
lines on stdin, one case each:
  {"id": ..., "package": "alibabacloud_ecs20140526", "action": "DescribeInstances",
   "signature": "v3" | "v2", "values": {<wire name>: <value>, ...},
   "path_values": {<wire name>: <value>, ...}, "binary": [<wire name>, ...]}
and prints one JSON line per case:
  {"id": ..., "method": ..., "path": ..., "query": [[name, value], ...],
   "headers": [[name, value], ...], "body_b64": ...}      what the SDK handed to its HTTP layer
  {"id": ..., "error": ...}                               the SDK refused to build the request
with "ignored": the values this SDK version's model has no field for.

The SDK's HTTP layer (darabonba's DaraCore.do_action) is replaced by a function that keeps the
request and raises, so nothing leaves the process. Values go into the SDK's request model with
its own from_map (wire names, as the metadata spells them); path parameters are the method's
positional arguments, matched by name; binary values arrive base64-encoded and are handed to
the SDK as a stream, as a user would.
"""

import base64
import importlib
import inspect
import io
import json
import sys

from darabonba.core import DaraCore


class Captured(Exception):
    pass


CAPTURED = []


def capture(request, runtime_option=None):
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    CAPTURED.append({
        "method": request.method,
        "path": request.pathname,
        "query": [[k, "" if v is None else str(v)] for k, v in (request.query or {}).items()],
        "headers": [[k, str(v)] for k, v in (request.headers or {}).items()],
        "body_b64": base64.b64encode(body or b"").decode("ascii"),
    })
    raise Captured()


DaraCore.do_action = staticmethod(capture)

CLIENTS = {}


def client_for(package, signature):
    key = (package, signature)
    if key not in CLIENTS:
        from alibabacloud_tea_openapi import models as open_api_models

        module = importlib.import_module(package + ".client")
        config = open_api_models.Config(
            access_key_id="testid",
            access_key_secret="testsecret",
            endpoint="sdk.test",
            protocol="https",
            region_id="cn-hangzhou",
        )
        if signature == "v2":
            config.signature_algorithm = "v2"
        CLIENTS[key] = (module.Client(config), importlib.import_module(package + ".models"))
    return CLIENTS[key]


def squash(name):
    return name.replace("_", "").replace("-", "").replace(".", "").lower()


def unset_absent(model, given):
    """Sets back to None each empty list or map of `model` (and of the models in it) that the
    wire-keyed `given` does not name."""
    if not hasattr(model, "to_map") or not isinstance(given, dict):
        return
    keys = {squash(k): k for k in given}
    for attr, value in list(vars(model).items()):
        key = keys.get(squash(attr))
        if value == [] or value == {}:
            if key is None:
                setattr(model, attr, None)
        elif key is not None and hasattr(value, "to_map"):
            unset_absent(value, given[key])
        elif key is not None and isinstance(value, list) and isinstance(given[key], list):
            for item, item_given in zip(value, given[key]):
                unset_absent(item, item_given)


def missing(given, kept, path, out):
    """Adds to `out` the dotted paths of members of `given` that `kept` (the SDK's to_map) lacks."""
    if isinstance(given, dict) and isinstance(kept, dict):
        for k, v in given.items():
            if k not in kept:
                out.append(f"{path}.{k}")
            else:
                missing(v, kept[k], f"{path}.{k}", out)
    elif isinstance(given, list) and isinstance(kept, list):
        for i, (v, w) in enumerate(zip(given, kept)):
            missing(v, w, f"{path}.{i + 1}", out)


def run(case):
    from alibabacloud_tea_util import models as util_models

    client, models = client_for(case["package"], case["signature"])
    action = case["action"]
    wanted = squash(action) + "withoptions"
    method_name = next((m for m in dir(client) if squash(m) == wanted and not m.endswith("_async")), None)
    if method_name is None:
        return {"error": f"the SDK has no method for {action}"}
    method = getattr(client, method_name)
    values = dict(case["values"])
    for name in case.get("binary", []):
        if name in values:
            values[name] = io.BytesIO(base64.b64decode(values[name]))
    # Positional arguments are the path parameters, given apart (a path parameter and a body
    # member may share a wire name: cs `cluster_id`).
    path_values = case.get("path_values", {})
    by_squash = {squash(k): k for k in path_values}
    args = []
    known = set()
    request_map = None
    for p in inspect.signature(method).parameters.values():
        if p.name == "runtime":
            args.append(util_models.RuntimeOptions())
        elif p.name == "headers":
            args.append({})
        elif p.name in ("request", "tmp_req"):
            cls = getattr(models, action[0].upper() + action[1:] + "Request", None)
            if cls is None:
                return {"error": f"the SDK has no {action}Request"}
            request = cls().from_map(values)
            # from_map fills every list and map it is not given with an empty one, which a
            # request built by hand leaves unset: unset again what `values` does not name.
            unset_absent(request, values)
            request_map = request.to_map()
            known.update(request_map.keys())
            # from_map reads a stream field as it is given; keep the stream.
            for name in case.get("binary", []):
                if name in values and hasattr(request, name.lower()):
                    setattr(request, name.lower(), values[name])
            args.append(request)
        else:
            key = by_squash.get(squash(p.name))
            args.append(None if key is None else str(path_values[key]))
    CAPTURED.clear()
    try:
        method(*args)
    except Captured:
        pass
    except Exception as e:  # the SDK refuses to build the request (its own validation)
        if not CAPTURED:
            return {"error": f"{type(e).__name__}: {e}"[:500]}
    if not CAPTURED:
        return {"error": "the SDK sent nothing"}
    # Parameters (and members of objects) this SDK version's model does not have: the metadata
    # is newer or older than the SDK. Dotted wire paths, list positions from 1.
    ignored = [k for k in values if k not in known]
    if request_map is not None:
        for k in values:
            if k in request_map:
                missing(values[k], request_map[k], k, ignored)
    return dict(CAPTURED[0], ignored=sorted(ignored))


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            out = run(case)
        except Exception as e:  # a case the driver cannot build: reported, never the end
            out = {"error": f"driver: {type(e).__name__}: {e}"[:500]}
        out["id"] = case["id"]
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
