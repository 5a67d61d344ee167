-- Delete one media item: from this statement on, no search returns it.
-- Parameters: {tenant:UInt32}, {media_id:UInt64}.
INSERT INTO clickprint.media_deleted (tenant_id, media_id)
VALUES ({tenant:UInt32}, {media_id:UInt64})
