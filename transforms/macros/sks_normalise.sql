-- sks_normalise(text): one spelling for an SKS diagnosis code.
-- Journal systems show either the ICD-10 form (`H35.3`) or the SKS form (`DH353`), in any case,
-- with dots and stray whitespace. SKS = the ICD-10 code without the dot, prefixed `D`.
--   'H35.3', 'dh353', 'DH35.3', ' DH353 ' -> 'DH353';  'D50.9' (ICD-10 chapter D) -> 'DD509'
-- The two forms cannot be confused: ICD-10 is letter + 2 digits, SKS is `D` + letter + 2 digits.
-- Anything that is neither stays as it was (dots removed, trimmed, upper case), so the SKS format
-- check still sees garbage as garbage: no `D` is added to a value that would not then be a code.
-- Empty or blank input -> null.
create or replace macro _sks_compact(t) as
    upper(regexp_replace(replace(t, '.', ''), '^[\s\x{00A0}\x{2007}\x{202F}\x{FEFF}]+|[\s\x{00A0}\x{2007}\x{202F}\x{FEFF}]+$', '', 'g'));

create or replace macro _sks_from_compact(c) as
    case
        when c = '' then null
        when regexp_full_match(c, 'D[A-Z][0-9]{2}[0-9A-Z]{0,6}') then c
        when regexp_full_match(c, '[A-Z][0-9]{2}[0-9A-Z]{0,6}') then 'D' || c
        else c
    end;

create or replace macro sks_normalise(t) as _sks_from_compact(_sks_compact(t));
