"""`cargo xtask bench calls` runs this: N AttachKeyPair calls through the official Python SDK
(alibabacloud-swas-open20200601, V3 signature, or signature_algorithm='v2' for RPC) against an
endpoint, then one JSON line with the CPU this process spent in the loop: exactly
(time.process_time, the process CPU clock), and split into user and system as the kernel
samples them (os.times, clock ticks).

Usage: call_loop.py <endpoint host:port> <calls> <v3|rpc>
"""

import json
import os
import sys
import time

from alibabacloud_swas_open20200601.client import Client
from alibabacloud_swas_open20200601 import models
from alibabacloud_tea_openapi import models as open_api_models


def main():
    endpoint, calls, version = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    config = open_api_models.Config(access_key_id="testid", access_key_secret="testsecret", endpoint=endpoint, protocol="http", region_id="cn-hangzhou")
    if version == "rpc":
        config.signature_algorithm = "v2"
    client = Client(config)
    request = lambda: models.AttachKeyPairRequest(region_id="cn-hangzhou", instance_ids=["i-1"], key_pair_name="test")
    client.attach_key_pair(request())  # warm up
    before, cpu, wall = os.times(), time.process_time(), time.perf_counter()
    for _ in range(calls):
        client.attach_key_pair(request())
    cpu, after = time.process_time() - cpu, os.times()
    user, system = after.user - before.user, after.system - before.system
    print(json.dumps({"calls": calls, "cpu_s": round(cpu, 4), "user_s": round(user, 3), "system_s": round(system, 3), "wall_s": round(time.perf_counter() - wall, 3)}))


if __name__ == "__main__":
    main()
