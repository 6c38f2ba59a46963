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
