-- fhir_unit(quantity): the unit of a FHIR Quantity (JSON). Its UCUM code where the quantity
-- names UCUM as its system and gives a code: FHIR R4 makes system + code the computable unit and
-- `unit` its display text, which a system writes as it likes ('x10E3/uL' for 10*3/uL,
-- 'micromol/L' for umol/L). Else the display text, else a code of another system.
create or replace macro fhir_unit(q) as
    case
        when json_extract_string(q, '$.system') = 'http://unitsofmeasure.org' and nullif(trim(json_extract_string(q, '$.code')), '') is not null
            then trim(json_extract_string(q, '$.code'))
        else coalesce(nullif(trim(json_extract_string(q, '$.unit')), ''), nullif(trim(json_extract_string(q, '$.code')), ''))
    end;
