-- ydernummer_normalise(text): a ydernummer (the clinic's provider number, up to 6 digits) as the
-- register keeps it, left-padded with zeros to 6: '4391' -> '004391', ' 004391 ' -> '004391'.
-- Blank -> null. Anything else (more than 6 digits, a letter, a sign) is returned trimmed and
-- unpadded, never cut: lpad would shorten '1234567' to '123456', another clinic's number.
-- staging/parse_rejects.sql rejects such a record, so it is never resolved to a clinic.
-- ydernummer_valid(text): null or blank, or 1 to 6 digits.
-- (Here, not in a file of their own, because delivered_record below uses them and each macro
-- file is self-contained.)
create or replace macro ydernummer_valid(t) as
    t is null or trim(t) = '' or regexp_full_match(trim(t), '[0-9]{1,6}');

create or replace macro ydernummer_normalise(t) as
    case
        when nullif(trim(t), '') is null then null
        when regexp_full_match(trim(t), '[0-9]{1,6}') then lpad(trim(t), 6, '0')
        else trim(t)
    end;

-- delivered_record(record_id, sor_code, ydernummer, patient): a delivered record's identity as
-- every data kind cleans it, as a struct whose fields a staging view unpacks with unnest():
--   record_id, sor_code, patient: trimmed, blank -> null ('  r1 ' -> 'r1', ' ' -> null)
--   ydernummer: ydernummer_normalise ('4391' -> '004391'; more than 6 digits kept, never cut)
-- One definition, so that the five staging views cannot clean a key differently.
create or replace macro delivered_record(record_id, sor_code, ydernummer, patient) as {
    'record_id': nullif(trim(record_id), ''),
    'sor_code': nullif(trim(sor_code), ''),
    'ydernummer': ydernummer_normalise(ydernummer),
    'patient': nullif(trim(patient), '')
};
