"""Prints the host each official Python SDK client builds (`Client(config)._endpoint`) for every
region and network given, with the client's endpoint rule and map, as JSON:
{product: {"rule": rule, "map": {region: host}, "hosts": {network: {region: host}}}}.

Usage: sdk_endpoints.py --networks public,vpc --regions r1,r2 module:product ...
where module is the SDK's package (alibabacloud_ecs20140526) and product the metadata's code.
"""
import argparse
import importlib
import json

from alibabacloud_tea_openapi import models as open_api_models


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--networks", required=True)
    parser.add_argument("--regions", required=True)
    parser.add_argument("products", nargs="+")
    args = parser.parse_args()
    out = {}
    for spec in args.products:
        module, product = spec.split(":")
        client_class = importlib.import_module(module + ".client").Client
        entry = out.setdefault(product, {"hosts": {}})
        hosts = entry["hosts"]
        for network in args.networks.split(","):
            for region in args.regions.split(","):
                config = open_api_models.Config(
                    access_key_id="id",
                    access_key_secret="secret",
                    region_id=region,
                    network=None if network == "public" else network,
                )
                client = client_class(config)
                hosts.setdefault(network, {})[region] = client._endpoint
                entry["rule"] = client._endpoint_rule
                entry["map"] = client._endpoint_map or {}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
