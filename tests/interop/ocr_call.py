"""Calls ocr-api RecognizeAllText through the official SDK (alibabacloud-ocr-api20210707) with an
image read from a file, and prints the outcome as one JSON line.

Used by tests/generality.rs against the emulator loaded with ocr-api: a V3 operation without a
path (`POST /`, `x-acs-action`), its image as a raw `application/octet-stream` body signed with
ACS3-HMAC-SHA256 over the body's SHA-256.
"""

import argparse
import io
import json


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--type", required=True)
    parser.add_argument("--output-coordinate")
    parser.add_argument("--page-no", type=int)
    args = parser.parse_args()

    from alibabacloud_ocr_api20210707.client import Client
    from alibabacloud_ocr_api20210707 import models
    from alibabacloud_tea_openapi import models as open_api_models
    from alibabacloud_tea_util import models as util_models

    config = open_api_models.Config(
        access_key_id="testid",
        access_key_secret="testsecret",
        endpoint=args.endpoint,
        protocol="http",
    )
    client = Client(config)
    with open(args.image, "rb") as f:
        image = f.read()
    request = models.RecognizeAllTextRequest(
        type=args.type,
        output_coordinate=args.output_coordinate,
        page_no=args.page_no,
        body=io.BytesIO(image),
    )
    try:
        response = client.recognize_all_text_with_options(request, util_models.RuntimeOptions())
        print(json.dumps({"ok": True, "body": response.body.to_map()}))
    except Exception as e:  # the SDK raises TeaException and its kin
        print(json.dumps({"ok": False, "code": getattr(e, "code", None), "message": getattr(e, "message", str(e))}))


if __name__ == "__main__":
    main()
