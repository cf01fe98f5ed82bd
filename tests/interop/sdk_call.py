"""Calls AttachKeyPair through an official Alibaba Cloud Python SDK and prints the outcome.

Used by tests/interop.rs against the local emulator. One JSON line on stdout:
  {"ok": true, "body": {...}}                       the response body as the SDK decoded it
  {"ok": false, "code": ..., "message": ..., "status": ..., "request_id": ...}

--sdk current     alibabacloud-swas-open20200601 on alibabacloud-tea-openapi, default V3 signature
--sdk current-v2  the same with signature_algorithm='v2' (RPC HMAC-SHA1)
--sdk core        aliyun-python-sdk-swas-open on aliyun-python-sdk-core (RPC, Format=JSON)
"""

import argparse
import json
import sys


def call_current(args, v2):
    from alibabacloud_swas_open20200601.client import Client
    from alibabacloud_swas_open20200601 import models
    from alibabacloud_tea_openapi import models as open_api_models

    config = open_api_models.Config(
        access_key_id=args.access_key_id,
        access_key_secret=args.access_key_secret,
        security_token=args.security_token,
        endpoint=args.endpoint,
        protocol="http",
        region_id=args.region_id,
    )
    if v2:
        config.signature_algorithm = "v2"
    client = Client(config)
    request = models.AttachKeyPairRequest(
        region_id=args.region_id,
        instance_ids=args.instance_ids,
        key_pair_name=args.key_pair_name,
        client_token=args.client_token,
    )
    try:
        response = client.attach_key_pair(request)
        return {"ok": True, "body": response.body.to_map()}
    except Exception as e:  # the SDK raises ClientException / ServerException / ThrottlingException
        return {
            "ok": False,
            "code": getattr(e, "code", None),
            "message": getattr(e, "message", str(e)),
            "status": getattr(e, "status_code", None) or (getattr(e, "data", None) or {}).get("statusCode"),
            "request_id": getattr(e, "request_id", None) or (getattr(e, "data", None) or {}).get("RequestId"),
            "type": type(e).__name__,
        }


def call_core(args):
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
    from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
    from aliyunsdkswas_open.request.v20200601.AttachKeyPairRequest import AttachKeyPairRequest

    if args.security_token:
        credential = StsTokenCredential(args.access_key_id, args.access_key_secret, args.security_token)
    else:
        credential = AccessKeyCredential(args.access_key_id, args.access_key_secret)
    client = AcsClient(region_id=args.region_id, credential=credential)
    request = AttachKeyPairRequest()
    request.set_endpoint(args.endpoint)
    request.set_protocol_type("http")
    request.set_accept_format("JSON")
    request.add_query_param("RegionId", args.region_id)
    request.set_InstanceIdss(args.instance_ids)
    request.set_KeyPairName(args.key_pair_name)
    if args.client_token:
        request.set_ClientToken(args.client_token)
    try:
        body = client.do_action_with_exception(request)
        return {"ok": True, "body": json.loads(body)}
    except ServerException as e:
        return {"ok": False, "code": e.get_error_code(), "message": e.get_error_msg(), "status": e.get_http_status(), "request_id": e.get_request_id(), "type": "ServerException"}
    except ClientException as e:
        return {"ok": False, "code": e.get_error_code(), "message": e.get_error_msg(), "status": None, "request_id": None, "type": "ClientException"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sdk", choices=["current", "current-v2", "core"], required=True)
    parser.add_argument("--endpoint", required=True, help="host:port of the emulator")
    parser.add_argument("--access-key-id", required=True)
    parser.add_argument("--access-key-secret", required=True)
    parser.add_argument("--security-token")
    parser.add_argument("--region-id", default="cn-hangzhou")
    parser.add_argument("--instance-ids", nargs="+", required=True)
    parser.add_argument("--key-pair-name", required=True)
    parser.add_argument("--client-token")
    args = parser.parse_args()
    if args.sdk == "core":
        result = call_core(args)
    else:
        result = call_current(args, v2=args.sdk == "current-v2")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
