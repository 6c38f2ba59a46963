def test_the_openapi_schema_describes_the_documents_api(client, personas):
    client.force_login(personas.reader)
    r = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert r.status_code == 200
    schema = r.json() if r["Content-Type"].startswith("application/json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(r.content)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/collections/{collection_id}/documents/"])
    assert {"get", "delete"} <= set(paths["/api/documents/{document_id}/"])
    assert "post" in paths["/api/documents/{document_id}/versions/"]
    assert "get" in paths["/api/versions/{version_id}/"]
    assert "post" in paths["/api/versions/{version_id}/retry/"]
    upload = paths["/api/collections/{collection_id}/documents/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_the_schema_describes_the_document_list_as_pages(client, personas):
    client.force_login(personas.reader)
    r = client.get("/api/schema/", headers={"Accept": "application/json"})
    import yaml

    schema = r.json() if r["Content-Type"].startswith("application/json") else yaml.safe_load(r.content)
    listing = schema["paths"]["/api/collections/{collection_id}/documents/"]["get"]
    assert {"page", "page_size"} <= {p["name"] for p in listing["parameters"]}
    ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"count", "next", "previous", "results"} <= set(schema["components"]["schemas"][ref]["properties"])
