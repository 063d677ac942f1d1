"""Writes to Sync through REST v1 with twilio-python, one JSON command per stdin line.

Driven by rest.test.mjs, which watches the same objects with twilio-sync.js: every write
made here must reach the JS client as a live event. Prints `ok` after each write.
"""

import json
import sys

from twilio.rest import Client


def main() -> None:
    base_url, account_sid, auth_token = sys.argv[1:4]
    client = Client(account_sid, auth_token)
    client.sync.base_url = base_url
    svc = client.sync.v1.services("default")
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "doc":
            svc.documents(cmd["id"]).update(data=cmd["data"])
        elif op == "map_add":
            svc.sync_maps(cmd["map"]).sync_map_items.create(key=cmd["key"], data=cmd["data"])
        elif op == "map_update":
            svc.sync_maps(cmd["map"]).sync_map_items(cmd["key"]).update(data=cmd["data"])
        elif op == "map_remove":
            svc.sync_maps(cmd["map"]).sync_map_items(cmd["key"]).delete()
        elif op == "list_push":
            svc.sync_lists(cmd["list"]).sync_list_items.create(data=cmd["data"])
        elif op == "publish":
            svc.sync_streams(cmd["stream"]).stream_messages.create(data=cmd["data"])
        else:
            raise SystemExit(f"unknown op {op!r}")
        print("ok", flush=True)


if __name__ == "__main__":
    main()
