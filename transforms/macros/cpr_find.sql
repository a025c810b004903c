-- has_cpr(text) / cpr_find(text) / cpr_mask(text): CPR numbers and replacement numbers in free
-- text (DOMAIN.md), in any spelling a person or a journal system produces.
-- The TypeScript twin for text that never enters DuckDB is transforms/privacy/identifiers.ts; the
-- two share the rule below and test/transforms/cpr-detect.test.ts holds them to the same answers.
--
-- What a number is: DD MM YY then a serial, where DDMMYY is a valid calendar date and the serial
-- is four digits (CPR) or, for a replacement number (eCPR), 1/7 (X-eCPR) or 0/5/6 (D-eCPR) + two
-- letters in either case + one digit.
-- No modulus-11 check: numbers without it have been issued since 2007.
-- Century: the 7th-digit century rules are ignored. DDMMYY is accepted when the date exists in
-- 19YY or 20YY; that differs only for 29 February, which is accepted exactly when YY is divisible
-- by 4 (2000 was a leap year, so 290200 is valid). 3213451234 (month 13) is never a CPR number.
--
-- Spellings (found): between DD, MM, YY and the serial, zero to three separator characters from
-- one class: ASCII white space (space, tab, line breaks, so a number broken by a line break inside
-- a quoted CSV field is found), every Unicode space (\p{Z}: no-break, narrow, ideographic, ...),
-- every dash and hyphen (\p{Pd}: en dash, non-breaking hyphen, ...), the minus sign U+2212, the
-- C1 controls U+0080-U+009F (a Windows-1252 en or em dash, bytes 0x96/0x97, read as Latin-1
-- becomes U+0096/U+0097; in a file name or header that is how a typed dash arrives), '.', '/'
-- and '_'. So 150385-1037, 150385–1037, 150385  1037, 150385/1037, 150385_1037,
-- 15.03.85-1037, 15 03 85 1050, 150385<tab>1037 and 0101901ab2 are all numbers.
-- A separator may also be the UTF-8 bytes of a space or dash read as Latin-1 or Windows-1252,
-- as a UTF-8 file declared Latin-1 arrives (150385â€“1037 for 150385–1037): one separator of the
-- run, for the no-break space and soft hyphen (U+00A0, U+00AD: Â and the character), the spaces,
-- zero-width characters and dashes U+2000-U+2015, the line and paragraph separators, the narrow
-- no-break space, the medium mathematical space, the minus sign and the ideographic space.
-- Before matching, the text is folded (_cpr_fold): full-width digits, letters and . / _ (the
-- part of Unicode NFKC that can spell a number) become ASCII, and invisible format characters
-- (zero-width space and joiners, word joiner, soft hyphen, BOM, direction marks) are removed, so
-- １５０３８５-１０３７ and 150385-10<U+200B>37 are numbers. DuckDB has no NFKC; the full fold
-- would also rewrite unrelated characters and change lengths, so only these are folded.
-- Not spellings: a serial split in two (15 03 85 10 37), because 15.03.1985 10 37 and
-- similar dates followed by a time would read as numbers; any other separator (':' ',' ';').
--
-- Boundary: the characters right before and after the number are neither digits nor hex
-- letters (A-F, a-f). Digits: a number is not part of a longer run of digits (01019012345,
-- 123456789012 are not numbers). Hex letters: ids, digests and UUIDs are hex tokens, and ten
-- digits inside one (...c1401616777a, e1503851037) are a fragment of the token, not a number.
-- Other letters do not stop a number, so cpr150385-1037, pt0101901234 and x0101901234y are
-- numbers (a prefix glued to a number is how people write it; the hex rule misses a number glued
-- to a-f, e.g. a1503851037, which is the price of not flagging every digest).
-- Punctuation is a boundary, so 1503851037.5 and 0.1503851037 contain a number: a list
-- 1503851037,1503851038 must be found, and a ten-digit integer part whose first six digits are a
-- date is not a lab value.
-- Not numbers: dates without a serial (15.03.1985, 15.03.85, 15-03-1985 10:37), 8-digit phone
-- numbers (12 34 56 78, +45 12345678), 10-digit sample ids whose first six digits are no date
-- (3213451234), eCPR-shaped strings with another 7th character (0101902AB2).
-- Read as numbers although they may not be (the price of the spellings above): a two-digit
-- number before a date with a four-digit year (nr 01 12.03.1985 reads 01 12 03 1985), a date
-- with a two-digit year before a four-digit number (15.03.85 2026), and a standalone ten-character
-- hex string of that shape (1501901ab2).
--
-- cpr_find returns the first (leftmost) number as written in the folded text, with its
-- separators; has_cpr says whether there is one; cpr_mask replaces every number by '[CPR]'. A text
-- without a number comes back from cpr_mask unchanged; one with a number comes back folded.
--
-- Cost: the date check is spelled out in the regular expression (days 01-28 of any month, 29-30
-- of any month but February, 31 of the long months, 29 February when YY is divisible by 4), so
-- one RE2 search over the text decides: no extraction, no per-candidate date parsing.
-- A number needs at least 10 characters, so a shorter value (codes, units, flags, most ids) is
-- decided by its byte length alone (strlen is stored with the string: no scan). Counting digits
-- first costs more than the search itself, so the longer values go straight to it. The fold runs
-- only on values that are not plain ASCII and hold a full-width or format character.
-- One literal, not a concatenation: DuckDB binds the macro at every use of the detector. Its
-- alternatives: one character of the class; Â + U+00A0 or U+00AD, or Â alone (the fold drops the
-- soft hyphen and leaves the Â); the three-byte separators read as Latin-1 (â + U+0080 + the
-- third byte, U+2212, U+205F, U+3000) and as Windows-1252 (the same bytes: â€ + the third
-- byte's character, âˆ’, â + U+0081 + Ÿ, ã€€).
create or replace macro _cpr_sep() as
    '(?:[\t\n\v\f\r\p{Z}\p{Pd}\x{2212}\x{80}-\x{9F}./_]|\x{C2}[\x{A0}\x{AD}]?|\x{E2}\x{80}[\x{80}-\x{95}\x{A8}\x{A9}\x{AF}]|\x{E2}\x{88}\x{92}|\x{E2}\x{81}\x{9F}|\x{E3}\x{80}\x{80}|\x{E2}\x{20AC}[\x{20AC}\x{81}\x{201A}\x{192}\x{201E}\x{2026}\x{2020}\x{2021}\x{2C6}\x{2030}\x{160}\x{2039}\x{152}\x{8D}\x{17D}\x{8F}\x{90}\x{2018}\x{2019}\x{201C}\x{201D}\x{2022}\x{A8}\x{A9}\x{AF}]|\x{E2}\x{2C6}\x{2019}|\x{E2}\x{81}\x{178}|\x{E3}\x{20AC}\x{20AC}){0,3}';

-- Groups: 1 the character before (or empty at the start), 2 the number, 3 the character after.
-- Regexp functions need a constant pattern; replace() of constants folds to one when bound.
create or replace macro _cpr_pattern() as
    replace(
        '(^|[^0-9A-Fa-f])((?:(?:0[1-9]|1[0-9]|2[0-8])S(?:0[1-9]|1[0-2])S[0-9]{2}|(?:29|30)S(?:0[13-9]|1[0-2])S[0-9]{2}|31S(?:0[13578]|1[02])S[0-9]{2}|29S02S(?:[02468][048]|[13579][26]))S(?:[0-9]{4}|[01567][A-Za-z]{2}[0-9]))([^0-9A-Fa-f]|$)',
        'S', _cpr_sep());

-- Full-width digits, letters, '.', '/', '_' to ASCII (translate); the invisible format
-- characters dropped (regexp_replace; by code point: soft hyphen U+00AD, Mongolian vowel separator
-- U+180E, zero-width space/joiners and direction marks U+200B-U+200F, embeddings U+202A-U+202E,
-- word joiner and invisible operators U+2060-U+2064, isolates U+2066-U+2069, BOM U+FEFF).
-- Both run only on a value that holds such a character. The characters are literals and a
-- class, not a concatenation of chr() calls: DuckDB binds a macro at every use, folding such a
-- concatenation each time, and a run's row checks use the detector once per text column.
create or replace macro _cpr_fold(t) as
    case when strlen(t) = length(t) or not regexp_matches(t, '[\x{FF0E}-\x{FF5A}\p{Cf}]') then t else translate(
        regexp_replace(t, '[\x{AD}\x{180E}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{FEFF}]', '', 'g'),
        '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ．／＿',
        '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./_') end;

create or replace macro cpr_find(t) as
    case when strlen(t) >= 10 then nullif(regexp_extract(_cpr_fold(t), _cpr_pattern(), 2), '') end;

create or replace macro has_cpr(t) as
    case when strlen(t) >= 10 then coalesce(regexp_matches(_cpr_fold(t), _cpr_pattern()), false) else false end;

-- Two passes: a match consumes the character after its number, which may be the only character
-- before the next number (1503851037 1503851038); the second pass finds those. A number the first
-- pass skipped this way is followed by an intact boundary and preceded by the mask and its own
-- boundary, so the second pass finds it, and two such numbers cannot follow each other. Where
-- numbers overlap (share digits), the first one the scan meets is masked and the rest of the
-- other stays: a fragment, never a whole number (has_cpr(cpr_mask(t)) is false).
create or replace macro cpr_mask(t) as
    case when has_cpr(t) then regexp_replace(regexp_replace(_cpr_fold(t), _cpr_pattern(), '\1[CPR]\3', 'g'),
                                             _cpr_pattern(), '\1[CPR]\3', 'g')
         else t end;
