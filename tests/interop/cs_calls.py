"""Calls Container Service (cs 2015-12-15, ROA) through the official Python SDKs and prints
one JSON line per call: {"sdk": ..., "operation": ..., "ok": true} or {..., "ok": false,
"code": ..., "message": ...}.

Used by tests/interop.rs against the emulator loaded with ../shared/meta/cs. The five
operations of shared/reference/roa.md §2.2 go through the current SDK (alibabacloud-cs20151215,
V3 signature); a GET and a POST go through the legacy core SDK (aliyun-python-sdk-cs, the
legacy ROA HMAC-SHA1 signature): GET, POST and PUT.
"""

import argparse
import json
import sys

CLUSTER = "c82e6987e2961451182edacd74faf2a45"


def outcome(sdk, operation, call):
    try:
        call()
        return {"sdk": sdk, "operation": operation, "ok": True}
    except Exception as e:  # the SDKs raise their own ClientException / ServerException types
        code = getattr(e, "code", None) or (e.get_error_code() if hasattr(e, "get_error_code") else None)
        message = getattr(e, "message", None) or (e.get_error_msg() if hasattr(e, "get_error_msg") else str(e))
        return {"sdk": sdk, "operation": operation, "ok": False, "code": code, "message": str(message)[:300], "type": type(e).__name__}


def current(args):
    from alibabacloud_cs20151215.client import Client
    from alibabacloud_cs20151215 import models
    from alibabacloud_tea_openapi import models as open_api_models

    config = open_api_models.Config(
        access_key_id=args.access_key_id,
        access_key_secret=args.access_key_secret,
        endpoint=args.endpoint,
        protocol="http",
        region_id="cn-hangzhou",
    )
    client = Client(config)
    calls = {
        "DescribeClusterDetail": lambda: client.describe_cluster_detail(CLUSTER),
        "DescribeClustersV1": lambda: client.describe_clusters_v1(
            models.DescribeClustersV1Request(name="prod cluster", cluster_type="ManagedKubernetes", page_size=10, page_number=1, region_id="cn-hangzhou")
        ),
        "CreateCluster": lambda: client.create_cluster(
            models.CreateClusterRequest(
                name="k8s-demo",
                cluster_type="ManagedKubernetes",
                cluster_spec="ack.pro.small",
                region_id="cn-hangzhou",
                kubernetes_version="1.30.1-aliyun.1",
                vpcid="vpc-2zeik9h3ahvv2zz95****",
                vswitch_ids=["vsw-2ze48rkq464rsdts1****"],
                service_cidr="172.21.0.0/20",
                snat_entry=True,
                deletion_protection=False,
                timeout_mins=60,
                tags=[models.Tag(key="env", value="test")],
            )
        ),
        "DeleteCluster": lambda: client.delete_cluster(
            CLUSTER,
            models.DeleteClusterRequest(retain_all_resources=False, retain_resources=["sg-2ze6ess9kho6fdn9****"]),
        ),
        "ModifyCluster": lambda: client.modify_cluster(CLUSTER, models.ModifyClusterRequest(cluster_name="k8s-demo-2", deletion_protection=True)),
    }
    return [outcome("current", name, call) for name, call in calls.items()]


def core(args):
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.auth.credentials import AccessKeyCredential
    from aliyunsdkcs.request.v20151215.CreateClusterRequest import CreateClusterRequest
    from aliyunsdkcs.request.v20151215.DescribeClusterDetailRequest import DescribeClusterDetailRequest
    from aliyunsdkcs.request.v20151215.ModifyClusterRequest import ModifyClusterRequest

    client = AcsClient(region_id="cn-hangzhou", credential=AccessKeyCredential(args.access_key_id, args.access_key_secret))

    def send(request):
        request.set_endpoint(args.endpoint)
        request.set_protocol_type("http")
        request.set_accept_format("JSON")
        client.do_action_with_exception(request)

    detail = DescribeClusterDetailRequest()
    detail.set_ClusterId(CLUSTER)
    modify = ModifyClusterRequest()
    modify.set_ClusterId(CLUSTER)
    modify.set_content_type("application/json")
    modify.set_content(json.dumps({"cluster_name": "k8s-demo-2", "deletion_protection": True}).encode())
    create = CreateClusterRequest()
    create.set_content_type("application/json")
    create.set_content(json.dumps({"name": "k8s-demo", "cluster_type": "ManagedKubernetes", "region_id": "cn-hangzhou", "vpcid": "vpc-2zeik9h3ahvv2zz95****", "service_cidr": "172.21.0.0/20", "vswitch_ids": ["vsw-2ze48rkq464rsdts1****"]}).encode())
    return [
        outcome("core", "DescribeClusterDetail", lambda: send(detail)),
        outcome("core", "CreateCluster", lambda: send(create)),
        outcome("core", "ModifyCluster", lambda: send(modify)),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True, help="host:port of the emulator")
    parser.add_argument("--access-key-id", required=True)
    parser.add_argument("--access-key-secret", required=True)
    args = parser.parse_args()
    for result in current(args) + core(args):
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
