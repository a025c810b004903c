-- lab_value_parse(value_text, operator, decimal_sep[, status]): one reading of a lab result value.
-- Returns struct {num double, comparator varchar, qualitative varchar, state varchar, identifier
-- boolean} where state is
--   numeric      '5,2' -> num 5.2
--   censored     '<5', '< 5,0', '>90', '<=0,1', or operator mindre_end/stoerre_end/FHIR comparator + '5'
--                -> comparator + num ("<5" is operator + 5, never just 5)
--   qualitative  'neg', 'negativ', 'pos', 'positiv', 'spor', '1+'..'4+', '+'..'++++', 'normal' (also 'neg.')
--                -> qualitative in one spelling (neg, pos, spor, 1+..4+, normal); and any non-empty
--                text with operator 'coded' (a coded answer, FHIR valueCodeableConcept: 'Never smoker')
--                -> that spelling when it is one, else the text in lower case
--   pending      '*****' or a word for it ('Afventer', 'Svar følger', 'pending': not yet answered), or
--                an empty value while the status says the sample is in (proeve_modtaget, registered,
--                afventer, pending) or the answer is interim (svar_midlertidigt, foreløbig, preliminary:
--                a FHIR preliminary result whose value is temp-unknown is not yet answered, not missing);
--                and a value or status among the evaluation's own spellings of one (a lab-quality
--                mapping's statuses.pending: the list in getvariable('lab_pending_statuses'), keyed as
--                lab_status_key keys a status; the nightly job sets none)
--   unparseable  anything else; num, comparator and qualitative are null and the caller keeps value_text.
-- identifier is true for a number whose digits are a CPR number (unparseable: see
-- _lab_identifier_number): its text ('1.503851037E9') is no spelling the detector masks, so a
-- reader shows it masked.
-- decimal_sep is the source's decimal separator: ',' accepts '1.234,5' and '1 234,5'; '.' accepts '1,234.5';
-- null accepts either separator but no thousands separator (FHIR and other machine formats).
-- A value written with the other separator ('5.2' or '1.234' in a ',' file) is unparseable rather
-- than guessed (see _lab_number); so is a number whose digits are a CPR number, in any notation.

-- Whitespace of every kind to one space, trimmed; the Unicode minus to '-'; ≤ ≥ =< => to <= >=;
-- the full-width forms of an East Asian input method (U+FF01-FF5E, ASCII shifted by 0xFEE0, and
-- the ideographic space U+3000) of digits, signs and separators to ASCII: '１２,５' is 12,5.
create or replace macro _lab_collapse(x) as
    case when contains(x, '  ') then regexp_replace(x, ' {2,}', ' ', 'g') else x end;

create or replace macro _lab_squash(t) as
    _lab_collapse(trim(replace(replace(replace(replace(
        translate(coalesce(t, ''),
            chr(9) || chr(10) || chr(13) || chr(160) || chr(8199) || chr(8239) || chr(12288) || '−０１２３４５６７８９，．－＋＜＞＝＊Ｅｅ' || chr(65279),
            '       -0123456789,.-+<>=*Ee'),
        '≤', '<='), '≥', '>='), '=<', '<='), '=>', '>=')));

-- The operator column: MedCom XRPT01 words, FHIR valueQuantity.comparator, symbols.
-- '' = no comparator; '?' = a spelling we do not know (the value is then unparseable).
create or replace macro _lab_operator(op) as
    case lower(trim(coalesce(op, '')))
        when '' then ''
        when '=' then ''
        when 'lig_med' then ''
        when '<' then '<'
        when 'mindre_end' then '<'
        when 'lt' then '<'
        when '<=' then '<='
        when '=<' then '<='
        when '≤' then '<='
        when 'mindre_end_eller_lig_med' then '<='
        when 'le' then '<='
        when '>' then '>'
        when 'stoerre_end' then '>'
        when 'større_end' then '>'
        when 'gt' then '>'
        when '>=' then '>='
        when '=>' then '>='
        when '≥' then '>='
        when 'stoerre_end_eller_lig_med' then '>='
        when 'ge' then '>='
        when 'coded' then 'coded'
        else '?'
    end;

create or replace macro _lab_text_comparator(s) as
    case
        when left(s, 2) in ('<=', '>=') then left(s, 2)
        when left(s, 1) in ('<', '>') then left(s, 1)
        else ''
    end;

-- A number in the source's notation, or null. Thousands grouping is taken only where it cannot be
-- a wrong decimal separator: with a decimal part ('1.234,5'), with two or more groups ('1.234.567')
-- or with spaces ('1 234'). A single group without decimals ('1.234' in a ',' file) could be 1234 or
-- a misplaced 1,234 (U-rel.massetæthed 1.015 is real), so it is unparseable, not guessed.
-- The first group never starts with 0: '0.500' in a ',' file is not 500.
-- Scientific notation ('1.2E3', '1,2E-3', '5E6' of a bacterial count) is read with either decimal
-- separator: nobody groups thousands before an exponent, so '.' or ',' there is the decimal one.
create or replace macro _lab_number(n, sep) as
    case
        when regexp_full_match(n, '[+-]?(?:[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)[eE][+-]?[0-9]{1,3}') then
            try_cast(replace(n, ',', '.') as double)
        when sep = ',' then
            case when regexp_full_match(n, '[+-]?(?:[0-9]*(?:,[0-9]+)?|[1-9][0-9]{0,2}(?: [0-9]{3})+(?:,[0-9]+)?|[1-9][0-9]{0,2}(?:\.[0-9]{3})+,[0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3}){2,})')
                then try_cast(replace(replace(replace(n, '.', ''), ' ', ''), ',', '.') as double) end
        when sep = '.' then
            case when regexp_full_match(n, '[+-]?(?:[0-9]*(?:\.[0-9]+)?|[1-9][0-9]{0,2}(?: [0-9]{3})+(?:\.[0-9]+)?|[1-9][0-9]{0,2}(?:,[0-9]{3})+\.[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3}){2,})')
                then try_cast(replace(replace(n, ',', ''), ' ', '') as double) end
        when sep is null then
            case when regexp_full_match(n, '[+-]?[0-9]*(?:[.,][0-9]+)?')
                then try_cast(replace(n, ',', '.') as double) end
    end;

-- The dipstick words of US and hospital exports read as the plus scale of the same strips:
-- trace, small = +, moderate = ++, large = +++ (the colour chart of Siemens Multistix 10 SG, where
-- blood, ketones and leukocytes are read either way); TR, SM, MOD, LG are their short forms.
-- Danish reports abbreviate with a full stop ('neg.', 'pos.', 'norm.') and write a trace as '(+)'.
-- A yes/no answer (FHIR's valueBoolean of a presence test) is pos or neg.
create or replace macro _lab_qualitative(s) as
    map {
        'neg': 'neg', 'negativ': 'neg', 'negative': 'neg', 'ikke påvist': 'neg', 'not detected': 'neg',
        'pos': 'pos', 'positiv': 'pos', 'positive': 'pos', 'påvist': 'pos', 'detected': 'pos', 'true': 'pos', 'false': 'neg',
        'spor': 'spor', 'trace': 'spor', 'tr': 'spor', '(+)': 'spor',
        'small': '1+', 'sm': '1+', 'moderate': '2+', 'mod': '2+', 'large': '3+', 'lg': '3+',
        'normal': 'normal', 'norm': 'normal',
        '+': '1+', '1+': '1+', '++': '2+', '2+': '2+', '+++': '3+', '3+': '3+', '++++': '4+', '4+': '4+'
    }[rtrim(lower(s), '.')];

-- A value that stands in for an answer still to come (Danish and English, as laboratory systems
-- print it): not yet answered, as an empty value of a sample that is in.
create or replace macro _lab_awaited(s) as
    rtrim(lower(s), '.') in ('afventer', 'afventes', 'svar afventes', 'afventer svar', 'svar følger', 'følger',
        'pending', 'awaiting', 'awaiting result', 'result to follow', 'to follow', 'in progress');

-- The evaluation's own spellings of a result still to come (see the header); none when unset.
create or replace macro _lab_declared_pending() as
    coalesce(getvariable('lab_pending_statuses'), []::varchar[]);

-- One CASE builds the whole struct, so that each input expression appears in it as few times as
-- possible (see the note below on macro expansion).
create or replace macro _lab_result_of(state, num, comparator, qualitative, identifier) as
    {'num': num::double, 'comparator': comparator::varchar, 'qualitative': qualitative::varchar, 'state': state::varchar,
     'identifier': identifier::boolean};

create or replace macro _lab_result(state, num, comparator, qualitative) as
    _lab_result_of(state, num, comparator, qualitative, false);

-- A number whose ten digits (zero-padded) are a CPR or replacement number: an identifier in a
-- number's clothes (Excel's '1.503.851.037', '1 503 851 037', '1.503851037E9'), no value. The
-- detector has_cpr is cpr_find.sql's; the test runs only on integers of nine or ten digits.
create or replace macro _lab_identifier_number(num) as
    num >= 100000000 and num < 10000000000 and num = trunc(num)
        and has_cpr(lpad(cast(num as bigint)::varchar, 10, '0'));

create or replace macro _lab_decide(s, opc, txc, num, q, st) as
    case
        when s <> '' and (replace(s, '*', '') = '' or _lab_awaited(s) or list_contains(_lab_declared_pending(), rtrim(lower(s), '.')))
            then _lab_result('pending', null, null, null)
        when s = '' and (st in ('proeve_modtaget', 'registered', 'afventer', 'afventes', 'pending',
            'svar_midlertidigt', 'foreløbig', 'foreloebig', 'preliminary') or list_contains(_lab_declared_pending(), st))
            then _lab_result('pending', null, null, null)
        -- a coded answer is an answer, whatever its words (a number in it is a code, not a value)
        when opc = 'coded' and s <> '' then _lab_result('qualitative', null, null, coalesce(q, lower(s)))
        when s = '' or opc = '?' or (txc <> '' and opc <> '' and txc <> opc) then _lab_result('unparseable', null, null, null)
        -- '<<5', '=5', '<>5': comparator characters beyond the one comparator
        when length(s) - length(ltrim(s, '<>=')) <> length(txc) then _lab_result('unparseable', null, null, null)
        when _lab_identifier_number(num) then _lab_result_of('unparseable', null, null, null, true)
        when num is not null then
            _lab_result(case when txc = '' and opc = '' then 'numeric' else 'censored' end, num,
                        case when txc <> '' then txc when opc <> '' then opc end, null)
        when txc = '' and opc = '' and q is not null then _lab_result('qualitative', null, null, q)
        else _lab_result('unparseable', null, null, null)
    end;

-- DuckDB expands a macro in place, every use of a parameter a copy of its argument, and plans
-- each copy. _lab_decide uses its arguments many times (the number seven times, the squashed
-- text some thirty): each is therefore computed once, as a field of a one-element list that a
-- lambda reads (its parameter so named that no caller's column is taken for it), and the
-- expanded parse stays small enough to plan quickly in any statement.
create or replace macro _lab_parse_2(s, opc, txc, sep, st) as
    list_transform([{'num': _lab_number(ltrim(ltrim(s, '<>=')), sep), 'q': _lab_qualitative(s)}],
        lambda _lab_v: _lab_decide(s, opc, txc, _lab_v.num, _lab_v.q, st))[1];

-- lab_status_key(status): a status as a mapping's statuses are keyed (statusKey in
-- quality/reports/lab-quality/mapping.ts): spaces of any kind and number as one (those _lab_squash
-- reads as a space), trimmed, in lower case, without a closing full stop ('UNDER  analyse.' is
-- 'under analyse'). One regular expression, not _lab_squash: lab-quality keys every row's status
-- and value with it, and _lab_squash's translations are far dearer per row.
create or replace macro lab_status_key(st) as
    rtrim(lower(trim(regexp_replace(st, '[\s\x{0B}\x{A0}\x{2007}\x{202F}\x{3000}\x{FEFF}]+', ' ', 'g'))), '.');

-- lab_cancelled_spellings(): the known spellings of a cancelled result (the analysis was not
-- performed or not completed), keyed as lab_status_key keys a status: FHIR's status, and the
-- Danish laboratory systems' words, in place of the value or as the status ('Annulleret',
-- 'Annulleret svar', an analysis 'Aflyst'). lab-quality sets such a record apart
-- (quality/reports/lab-quality/statuses.ts); lab.row_findings names it (result_cancelled).
create or replace macro lab_cancelled_spellings() as
    ['cancelled', 'canceled', 'annulleret', 'annulleret svar', 'svar annulleret', 'analyse annulleret', 'prøve annulleret', 'aflyst'];

create or replace macro _lab_parse_1(s, op, sep, st) as
    list_transform([{'s': s, 'opc': _lab_operator(op), 'st': lab_status_key(st)}],
        lambda _lab_a: _lab_parse_2(_lab_a.s, _lab_a.opc, _lab_text_comparator(_lab_a.s), sep, _lab_a.st))[1];

create or replace macro lab_value_parse(value_text, operator, decimal_sep) as
        _lab_parse_1(_lab_squash(value_text), operator, decimal_sep, null),
    (value_text, operator, decimal_sep, status) as
        _lab_parse_1(_lab_squash(value_text), operator, decimal_sep, status);

-- lab_value_parse in two steps: lab_value_squash(value_text) in a column of its own, then
-- lab_value_parse_squashed(that column, operator, decimal_sep, status), for a model that keeps
-- the squashed text.
create or replace macro lab_value_squash(value_text) as
    _lab_squash(value_text);

create or replace macro lab_value_parse_squashed(squashed, operator, decimal_sep, status) as
    _lab_parse_1(squashed, operator, decimal_sep, status);

-- lab_value_parse_squashed in three steps, for a model that reads many values (stg_lab_values):
-- each step in a projection of its own, its result a column that the next one reads, so that no
-- input is computed twice without the lambdas above. DuckDB runs a lambda row by row, which
-- makes the one-expression form far dearer per value. The same order of steps as _lab_parse_1
-- and _lab_parse_2 (test/transforms/lab-value-parse.test.ts compares the two forms).
create or replace macro lab_value_parse_inputs(squashed, operator, status) as
    {'opc': _lab_operator(operator), 'txc': _lab_text_comparator(squashed), 'st': lab_status_key(status)};

create or replace macro lab_value_parse_reads(squashed, decimal_sep) as
    {'num': _lab_number(ltrim(ltrim(squashed, '<>=')), decimal_sep), 'q': _lab_qualitative(squashed)};

create or replace macro lab_value_parse_decide(squashed, inputs, reads) as
    _lab_decide(squashed, inputs.opc, inputs.txc, reads.num, reads.q, inputs.st);

-- lab_value_qualitative(value_text): the one spelling of a qualitative answer, as lab_value_parse
-- gives it in `qualitative` for a value whose state is 'qualitative' (a coded answer of no known
-- spelling in lower case). For any other state that field is null, so test the state first; this
-- lets a later layer read the answer back from the stored state and value_text without parsing
-- every value again.
create or replace macro lab_value_qualitative(value_text) as
    coalesce(_lab_qualitative(_lab_squash(value_text)), lower(_lab_squash(value_text)));

-- lab_ref_text_limits(ref_text, decimal_sep): the limits of a reference interval delivered as
-- text, as {low, high} (either null), or null when the text is no interval. 'a-b' with any dash,
-- 'to' or '..' between ('7,3-10,5', '7,3 - 10,5', '3.5–5.0', '-2 - 2'), '< b' or '<= b' (an upper
-- limit only), '> a' or '>= a' (a lower limit only), each number in the source's notation
-- (_lab_number), spaces (also no-break ones) anywhere and a unit after it ('7,3-10,5 mmol/L').
-- A label before it, as laboratory systems print one ('Ref.: 137 - 145', 'Ref: < 5',
-- 'Normal: 137-145', 'Referenceinterval 8,3-10,5'), and brackets around it ('(137-145)') are read past.
-- Anything with another number after the interval ('4-6 (women), 5-7 (men)', an interval per
-- sex or age) or without one ('se tekst', 'neg') is no interval.
create or replace macro _lab_ref_pattern() as
    '^[\s\x{A0}\x{202F}]*(?:(?i:ref(?:erence)?|normal)(?i:[ .]*(?:interval|intervaller|område|omr|range|værdi|værdier|values?))?[\s\x{A0}\x{202F}]*[.:]{0,2}[\s\x{A0}\x{202F}]*)?[(\[]?[\s\x{A0}\x{202F}]*([<>]=?|≤|≥)?[\s\x{A0}\x{202F}]*([+-]?[0-9]+(?:[.,\x{A0} ][0-9]+)*)(?:[\s\x{A0}\x{202F}]*(?:-|–|—|‒|−|to|til|\.\.)[\s\x{A0}\x{202F}]*([+-]?[0-9]+(?:[.,\x{A0} ][0-9]+)*))?[\s\x{A0}\x{202F}]*(?:[^0-9\s\x{A0}\x{202F}][^0-9]*)?$';

-- the interval's parts as the pattern's groups found them ({op, lo, hi}), each limit read once
-- (a lambda's parameter, as in _lab_parse_2 above)
create or replace macro _lab_ref_limits(parts, decimal_sep) as
    list_transform([{'op': parts.op, 'two': parts.hi <> '', 'lo': _lab_number(parts.lo, decimal_sep), 'hi': _lab_number(parts.hi, decimal_sep)}],
        lambda _lab_l: case
            when _lab_l.op = '' and _lab_l.two then {'low': _lab_l.lo, 'high': _lab_l.hi}
            when _lab_l.op in ('<', '<=', '≤') and not _lab_l.two then {'low': null::double, 'high': _lab_l.lo}
            when _lab_l.op in ('>', '>=', '≥') and not _lab_l.two then {'low': _lab_l.lo, 'high': null::double}
        end)[1];

create or replace macro lab_ref_text_limits(t, decimal_sep) as
    case when regexp_full_match(t, _lab_ref_pattern())
        then list_transform([regexp_extract(t, _lab_ref_pattern(), ['op', 'lo', 'hi'])], lambda _lab_p: _lab_ref_limits(_lab_p, decimal_sep))[1] end;
