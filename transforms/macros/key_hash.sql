-- key_hash(record_key): a record key as an unsigned 64-bit integer, the upper half of its md5.
-- Stored in core.<kind>.key_hash (db/schema/004): the nightly job probes that one integer
-- column to find the few published rows a run touches (core/published_matches.sql) instead of
-- decoding the record keys of the whole history, and counts repeated keys by it.
-- md5 rather than DuckDB's hash(): a stored value must stay the same across DuckDB versions.
-- A match is only a candidate: two keys may share a hash, so readers compare record_key after.
-- Examples: key_hash('NOVAX:1') = 4332569379701535619; key_hash(null) is null.
create or replace macro key_hash(record_key) as
    (md5_number(record_key) >> 64)::ubigint;
