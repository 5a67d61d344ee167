"""A client generated from the running service's /v1/openapi.json by
openapi-python-client (PyPI) used as a Python application would use it:
pictures uploaded, polled until ready, a search by upload, and an item's
previews read. Every call goes through the generated code; nothing here
writes an endpoint's URL. Run by tests/it/api.rs, which checks the summary
it prints as JSON.

Environment: CLICKPRINT_URL (the service), CLICKPRINT_KEY (a tenant's API
key), CLICKPRINT_FILES (a folder with original.png, other.png and crop.jpg,
a copy of the original). The generator and the client's own dependencies
(httpx, attrs, python-dateutil) are on PYTHONPATH (scripts/setup.sh puts
them in .deps/openapi-python-client).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

base = os.environ["CLICKPRINT_URL"]
key = os.environ["CLICKPRINT_KEY"]
files = os.environ["CLICKPRINT_FILES"]
summary = {}

# 1. Generate the client from the service's own document.
out = tempfile.mkdtemp(prefix="clickprint-python-client-")
spec = os.path.join(out, "openapi.json")
with urllib.request.urlopen(f"{base}/v1/openapi.json") as answer, open(spec, "wb") as f:
    f.write(answer.read())
# The generator reads bytes only from application/octet-stream responses;
# its documented `content_type_overrides` setting treats the previews'
# picture types so (README, "Generated clients").
config = os.path.join(out, "generator.json")
with open(config, "w") as f:
    json.dump({"content_type_overrides": {
        "image/jpeg": "application/octet-stream",
        "image/svg+xml": "application/octet-stream",
    }}, f)
generated = subprocess.run(
    [sys.executable, "-m", "openapi_python_client", "generate", "--path", spec,
     "--config", config,
     "--output-path", os.path.join(out, "clickprint_client"), "--meta", "none"],
    capture_output=True, text=True, check=False,
)
if generated.returncode != 0:
    sys.exit(f"the generator failed:\n{generated.stdout}\n{generated.stderr}")
sys.path.insert(0, out)

# openapi-python-client 0.29.1 annotates an operation whose body has two
# content types (JSON or multipart: POST /v1/search) with `Unset` without
# importing it, when the operation has no optional parameter to bring the
# import along; the module then fails at import with a NameError. The
# document is right (the body is required, both types are real), so the
# name is lent to the generated modules here rather than the document bent.
import builtins  # noqa: E402

from clickprint_client.types import Unset  # noqa: E402

builtins.Unset = Unset
from clickprint_client import AuthenticatedClient  # noqa: E402
from clickprint_client.api.media import (  # noqa: E402
    create_media,
    get_media,
    get_media_preview,
    list_media_previews,
)
from clickprint_client.api.search import search  # noqa: E402
from clickprint_client.models import CreateMediaFilesBody, SearchFilesBody  # noqa: E402
from clickprint_client.types import File  # noqa: E402

summary["generated_operations"] = sorted(
    name[:-3]
    for group in ("media", "search", "jobs", "webhooks")
    for name in os.listdir(os.path.join(out, "clickprint_client", "api", group))
    if name.endswith(".py") and name != "__init__.py"
)
client = AuthenticatedClient(base_url=base, token=key, timeout=300.0)

# 2. Upload two pictures (multipart, with an external id).
ids = {}
summary["created"] = []
for name in ("original", "other"):
    with open(os.path.join(files, f"{name}.png"), "rb") as picture:
        made = create_media.sync_detailed(
            client=client,
            body=CreateMediaFilesBody(
                file=File(payload=picture, file_name=f"{name}.png", mime_type="image/png"),
                external_id=name,
            ),
        )
    summary["created"].append(made.status_code)
    ids[name] = made.parsed.id

# 3. Poll each until it is no longer pending or processing.
summary["ready"] = {}
for name, media_id in ids.items():
    deadline = time.monotonic() + 240
    while True:
        item = get_media.sync(client=client, id=media_id)
        status = item.status.value
        if status not in ("pending", "processing") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    summary["ready"][name] = status

# 4. Search by upload: the crop finds the original.
with open(os.path.join(files, "crop.jpg"), "rb") as query:
    found = search.sync_detailed(
        client=client,
        body=SearchFilesBody(
            file=File(payload=query, file_name="crop.jpg", mime_type="image/jpeg"),
            top_k=5,
        ),
    )
matches = found.parsed.matches if found.status_code == 200 else []
summary["search"] = {
    "status": found.status_code,
    "found": [m.external_id for m in matches],
}

# 5. An item's previews: the list of them, the thumbnail it names, and a
# name it does not have.
listed = list_media_previews.sync_detailed(client=client, id=ids["original"])
summary["previews"] = {
    "status": listed.status_code,
    "thumbnail": listed.parsed.thumbnail if listed.status_code == 200 else None,
}
# The thumbnail itself, the name the list gave: a JPEG's bytes.
thumbnail = summary["previews"]["thumbnail"] or "thumb.jpg"
picture = get_media_preview.sync_detailed(client=client, id=ids["original"], name=thumbnail)
summary["thumbnail"] = {
    "status": picture.status_code,
    "content_type": picture.headers.get("content-type"),
    "jpeg": picture.content[:3] == b"\xff\xd8\xff",
    "bytes": len(picture.content),
}
missing = get_media_preview.sync_detailed(client=client, id=ids["original"], name="nothing.jpg")
summary["missing_preview"] = {"status": missing.status_code, "error": missing.parsed.error}

print(json.dumps(summary))
