-- has_cpr(text) / cpr_find(text) / cpr_mask(text): CPR numbers and replacement numbers in free
-- text (DOMAIN.md), in any spelling a person or a journal system produces.
-- The TypeScript twin for text that never enters DuckDB is transforms/privacy/identifiers.ts; the
-- two share the rule below and test/transforms/cpr-detect.test.ts holds them to the same answers.
--
-- What a number is: DD MM YY then a serial, where DDMMYY is a valid calendar date and the serial
-- is four digits (CPR) or, for a replacement number (eCPR), a digit + two letters in either case
-- + one digit. DOMAIN.md's 7th digits are 1/7 (X-eCPR) and 0/5/6 (D-eCPR); any digit is taken, so
-- that a mistyped number, or one of another issuer, is not published for its 7th character.
-- No modulus-11 check: numbers without it have been issued since 2007.
-- Replacement numbers are also written as the birth date with 60 added to the day and a
-- four-digit serial (670385-1234 for a person born 7 March 1985 without a CPR number), so DD
-- may be a valid day + 60 (61-91), in either form.
-- The price: a ten-digit id whose first two digits are 61-91 and next four a month and a year
-- is read as a number too, as one starting 01-31 already is; a finding names its file, row and
-- column, so such an id is told apart by a reader, and an id is never worth a published number.
-- Century: the 7th-digit century rules are ignored. DDMMYY is accepted when the date exists in
-- 19YY or 20YY; that differs only for 29 February, which is accepted exactly when YY is divisible
-- by 4 (2000 was a leap year, so 290200 is valid). 3213451234 (month 13) is never a CPR number.
--
-- Spellings (found): between DD, MM, YY and the serial, zero to three separator characters from
-- one class: ASCII white space (space, tab, line breaks, so a number broken by a line break inside
-- a quoted CSV field is found), every Unicode space (\p{Z}: no-break, narrow, ideographic, ...),
-- every dash and hyphen (\p{Pd}: en dash, non-breaking hyphen, ...), the minus sign U+2212 and the
-- signs drawn as one (modifier letter minus U+02D7, hyphen bullet U+2043, superscript and subscript
-- minus U+207B/U+208B, heavy minus U+2796), the
-- C1 controls U+0080-U+009F (a Windows-1252 en or em dash, bytes 0x96/0x97, read as Latin-1
-- becomes U+0096/U+0097; in a file name or header that is how a typed dash arrives), U+FFFD
-- (what a byte that is not UTF-8 becomes when read as UTF-8: such a dash in a name or a message),
-- the middle dot, bullet and ellipsis (· • …, Windows-1252 0xB7, 0x95, 0x85), '.', '/' and '_', and
-- the punctuation a person types between the date and the serial: ',' ';' an apostrophe '~'
-- '*' '#', round brackets, the bar '|' (fields joined by it) and the backslash (a slash typed the
-- wrong way). Between the date and the serial only (_cpr_sep_serial): ':', '+' and '='. So
-- 150385-1037, 150385–1037, 150385  1037, 150385/1037, 150385_1037, 150385+1037, 150385=1037,
-- 150385:1037, 150385,1037, (150385)1037,
-- 15.03.85-1037, 15 03 85 1050, 150385<tab>1037 and 0101901ab2 are all numbers.
-- A separator may also be a space or dash escaped the way text that went through HTML, a URL or
-- JSON has it: an HTML/XML character reference (&nbsp; &ndash; &#8211; &#x2013; &#45;), percent-encoded
-- UTF-8 (%20 %2D %E2%80%93) or a JSON \u escape (\u2013, kept in a reject's raw line): one
-- separator each, for the space, hyphen-minus, no-break space, soft hyphen, the spaces and dashes
-- U+2000-U+200A and U+2010-U+2015, the narrow no-break space, the minus sign and the ideographic
-- space (15&#45;03&#45;85 1037, 150385%2D1037, 150385&ndash;1037).
-- A separator may also be the UTF-8 bytes of a space or dash read as Latin-1 or Windows-1252,
-- as a UTF-8 file declared Latin-1 arrives (150385â€“1037 for 150385–1037): one separator of the
-- run, for the no-break space and soft hyphen (U+00A0, U+00AD: Â and the character), the spaces,
-- zero-width characters and dashes U+2000-U+2015, the line and paragraph separators, the narrow
-- no-break space, the medium mathematical space, the minus sign and the ideographic space.
-- Before matching, the text is folded (_cpr_fold): full-width digits, letters and . / _ (the
-- part of Unicode NFKC that can spell a number) become ASCII, the decimal digits of every other
-- script (Unicode's Nd: Arabic-Indic ٠١٢, Persian ۰۱۲, Devanagari, Thai, mathematical 𝟎𝟏𝟐, ...)
-- become the ASCII digit of the same value, and invisible format characters (zero-width space
-- and joiners, word joiner, soft hyphen, BOM, direction marks) are removed, so
-- １５０３８５-１０３７, ١٥٠٣٨٥-١٠٣٧ and 150385-10<U+200B>37 are numbers. DuckDB has no NFKC; the
-- full fold would also rewrite unrelated characters and change lengths, so only these are folded.
-- The fold also reads the digits NFKC reads as digits (superscript ¹⁵⁰³⁸⁵, subscript, circled)
-- and the other circled ones as their values, and drops combining marks on anything but a letter
-- (1̲5̲0̲3̲8̲5̲, a keycap 1️⃣): _cpr_unmark and _cpr_compat below.
-- The serial may also be written in two pairs with one space (or tab) between them, after at
-- least one separator (15 03 85 10 37, 150385 10 37, 150385-10 37: how a number is read aloud);
-- not glued to the year, so that a date with a four-digit year and a time (15.03.1985 10 37) is
-- not one. The number may also be written as a spreadsheet shows a ten-digit number, grouped in
-- threes from the right by one '.', ',', apostrophe, space, no-break, narrow no-break or thin
-- space (1.503.851.037, 1 503 851 037, 1,503,851,037): the date is then split across the groups.
-- Digits escaped one by one (&#49;&#53; &#x31; \u0031 %31), full-width ones too (&#xFF11; %EF%BC%91
-- \uFF11), are read as digits (_cpr_unescape);
-- the letters of a replacement number may be escaped the same way (0101901&#65;&#x42;2, _cpr_letter).
-- The digits of other scripts escaped are those digits (&#x661; &#1633; \u0661 %D9%A1, and beyond
-- U+FFFF &#x1D7CF; \uD835\uDFCF %F0%9D%9F%8F: _cpr_wide), and an escape escaped again is read
-- back to one layer first (&amp;#49; &amp;amp;#49; %26%2349%3B \u0026#49; &#37;31 %5Cu0031
-- 150385&amp;ndash;1037: _cpr_unwrap). Not read: a character reference without its ';' (&amp#49).
-- Not spellings: any other separator ('&', quotes other than the apostrophe; ':', '+', '=' inside
-- the date, where 10:05:30-0500 is a time), escaped forms of the punctuation above but the two
-- signs (&#58; %2C), other groupings (150 385 1037), and the nine
-- digits a spreadsheet shows for a number with a leading zero (103.851.037 for 0103851037: a
-- boundary cannot tell it from the last nine digits of a longer grouped number).
--
-- Boundary: the characters right before and after the number are neither digits nor hex
-- letters (A-F, a-f), and the one before is no 'T' after a digit: 20250304T101130+0100 is an
-- ISO 8601 time in the basic format, its 101130+0100 no number. Digits: a number is not part of a longer run of digits (01019012345,
-- 123456789012 are not numbers). Hex letters: ids, digests and UUIDs are hex tokens, and ten
-- digits inside one (...c1401616777a, e1503851037) are a fragment of the token, not a number;
-- hex letters after another letter are no hex token (ID1503851037, pid0101901234 are numbers),
-- nor are hex letters before another letter (1503851037Bor, 150385-1037fik: a space left out).
-- Other letters do not stop a number, so cpr150385-1037, pt0101901234 and x0101901234y are
-- numbers (a prefix glued to a number is how people write it; the hex rule misses a number glued
-- to a token of a-f alone, e.g. a1503851037 or 1503851037e, which is the price of not flagging
-- every digest).
-- Punctuation is a boundary, so 1503851037.5 and 0.1503851037 contain a number: a list
-- 1503851037,1503851038 must be found, and a ten-digit integer part whose first six digits are a
-- date is not a lab value.
-- Not numbers: dates without a serial (15.03.1985, 15.03.85, 15-03-1985 10:37), 8-digit phone
-- numbers (12 34 56 78, +45 12345678), 10-digit sample ids whose first six digits are no date
-- (3213451234), strings with one or three letters where an eCPR has two (0101902A12), a time
-- with seconds and a four-digit offset (10:05:30-0500, 10:05:30+0100: as strftime's %z writes it).
-- Read as numbers although they may not be (the price of the spellings above): a two-digit
-- number before a date with a four-digit year (nr 01 12.03.1985 reads 01 12 03 1985), a date
-- with a two-digit year before a four-digit number (15.03.85 2026), a standalone ten-character
-- hex string of that shape (1501901ab2), an encoded space before eight digits (%2012345678
-- reads 20 12 34 5678, as 20 12345678 does), a date and four digits joined by a sign as a sum
-- (150385+1037), and '%3' before a digit where no URL wrote it (a typo 50%31 reads 501, and
-- 50%2531 too).
--
-- cpr_find returns the first (leftmost) number as written in the folded text, with its
-- separators; has_cpr says whether there is one; cpr_mask replaces every number by '[CPR]'. A text
-- without a number comes back from cpr_mask unchanged; one with a number comes back folded.
--
-- Cost: the date check is spelled out in the regular expression (days 01-28 of any month, 29-30
-- of any month but February, 31 of the long months, 29 February when YY is divisible by 4, and
-- each of them + 60), so one RE2 search over the text decides: no extraction, no per-candidate
-- date parsing.
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
    '(?:[\t\n\v\f\r\p{Z}\p{Pd}\x{2212}\x{2D7}\x{2043}\x{207B}\x{208B}\x{2796}\x{80}-\x{9F}\x{FFFD}\x{B7}\x{2022}\x{2026}./_,;''~*#()|\\]|\x{C2}[\x{A0}\x{AD}]?|\x{E2}\x{80}[\x{80}-\x{95}\x{A8}\x{A9}\x{AF}]|\x{E2}\x{88}\x{92}|\x{E2}\x{81}\x{9F}|\x{E3}\x{80}\x{80}|\x{E2}\x{20AC}[\x{20AC}\x{81}\x{201A}\x{192}\x{201E}\x{2026}\x{2020}\x{2021}\x{2C6}\x{2030}\x{160}\x{2039}\x{152}\x{8D}\x{17D}\x{8F}\x{90}\x{2018}\x{2019}\x{201C}\x{201D}\x{2022}\x{A8}\x{A9}\x{AF}]|\x{E2}\x{2C6}\x{2019}|\x{E2}\x{81}\x{178}|\x{E3}\x{20AC}\x{20AC}|&#0*(?:32|45|160|173|819[2-9]|820[0-289]|821[0-3]|8239|8722|12288);|&#[xX]0*(?:20|2[dD]|[aA]0|[aA][dD]|200[0-9aA]|201[0-5]|202[fF]|2212|3000);|&(?:nbsp|ensp|emsp|thinsp|hairsp|numsp|puncsp|ndash|mdash|minus|hyphen|dash|shy|NBSP|ENSP|EMSP|THINSP|HAIRSP|NUMSP|PUNCSP|NDASH|MDASH|MINUS|HYPHEN|DASH|SHY);|%(?:20|2[dD]|[cC]2%[aA]0|[cC]2%[aA][dD]|[eE]2%80%(?:8[0-9aA]|9[0-5]|[aA][fF])|[eE]2%88%92|[eE]3%80%80)|\\[uU](?:0020|002[dD]|00[aA]0|00[aA][dD]|200[0-9aA]|201[0-5]|202[fF]|2212|3000)){0,3}';

-- Between the date and the serial: the separators above, the colon (not inside the date, so that
-- a time with seconds and an offset, 10:05:30-0500 or 10:05:30+0100, is no number) and the signs
-- '+' and '=' (010190+1234 as Swedish and Finnish systems write the century, cpr=010190=1234 as a
-- key and value split wrongly), plain or escaped like the spaces and dashes (&#43; %2B \u002B).
create or replace macro _cpr_sep_serial() as
    '(?:[\t\n\v\f\r\p{Z}\p{Pd}\x{2212}\x{2D7}\x{2043}\x{207B}\x{208B}\x{2796}\x{80}-\x{9F}\x{FFFD}\x{B7}\x{2022}\x{2026}./_:+=,;''~*#()|\\]|\x{C2}[\x{A0}\x{AD}]?|\x{E2}\x{80}[\x{80}-\x{95}\x{A8}\x{A9}\x{AF}]|\x{E2}\x{88}\x{92}|\x{E2}\x{81}\x{9F}|\x{E3}\x{80}\x{80}|\x{E2}\x{20AC}[\x{20AC}\x{81}\x{201A}\x{192}\x{201E}\x{2026}\x{2020}\x{2021}\x{2C6}\x{2030}\x{160}\x{2039}\x{152}\x{8D}\x{17D}\x{8F}\x{90}\x{2018}\x{2019}\x{201C}\x{201D}\x{2022}\x{A8}\x{A9}\x{AF}]|\x{E2}\x{2C6}\x{2019}|\x{E2}\x{81}\x{178}|\x{E3}\x{20AC}\x{20AC}|&#0*(?:32|45|160|173|819[2-9]|820[0-289]|821[0-3]|8239|8722|12288);|&#[xX]0*(?:20|2[dD]|[aA]0|[aA][dD]|200[0-9aA]|201[0-5]|202[fF]|2212|3000);|&(?:nbsp|ensp|emsp|thinsp|hairsp|numsp|puncsp|ndash|mdash|minus|hyphen|dash|shy|NBSP|ENSP|EMSP|THINSP|HAIRSP|NUMSP|PUNCSP|NDASH|MDASH|MINUS|HYPHEN|DASH|SHY);|%(?:20|2[dD]|[cC]2%[aA]0|[cC]2%[aA][dD]|[eE]2%80%(?:8[0-9aA]|9[0-5]|[aA][fF])|[eE]2%88%92|[eE]3%80%80)|\\[uU](?:0020|002[dD]|00[aA]0|00[aA][dD]|200[0-9aA]|201[0-5]|202[fF]|2212|3000)|&#0*(?:43|61);|&#[xX]0*(?:2[bB]|3[dD]);|&(?:plus|equals|PLUS|EQUALS);|%(?:2[bB]|3[dD])|\\[uU]00(?:2[bB]|3[dD])){0,3}';

-- A letter of a replacement number (0101901AB2): A-Z or a-z, plain or escaped the way its digits
-- may be (_cpr_unescape), or full-width and escaped: &#65; &#x41; %41 \u0041, &#65313; &#xFF21;
-- %EF%BC%A1 \uFF21. Only here, between the 7th digit and the last: read everywhere, an escaped
-- letter would glue a number to a hex token it was not part of (&#x41;1503851037 is a number).
create or replace macro _cpr_letter() as
    '(?:[A-Za-z]|&#0*(?:6[5-9]|[78][0-9]|9[07-9]|1[01][0-9]|12[0-2]|6531[3-9]|6532[0-9]|6533[0-8]|6534[5-9]|653[56][0-9]|65370);|&#[xX]0*(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]|[fF][fF](?:2[1-9A-Fa-f]|3[0-9Aa]|4[1-9A-Fa-f]|5[0-9Aa]));|%(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]|[eE][fF]%[bB][cC]%(?:[aA][1-9A-Fa-f]|[bB][0-9Aa])|[eE][fF]%[bB][dD]%(?:8[1-9A-Fa-f]|9[0-9Aa]))|\\[uU](?:00(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa])|[fF][fF](?:2[1-9A-Fa-f]|3[0-9Aa]|4[1-9A-Fa-f]|5[0-9Aa])))';

-- Groups: 1 the character before (or empty at the start), 2 the number, 3 the character after
-- (or the hex letters after it and the letter that ends them).
-- Regexp functions need a constant pattern; replace() of constants folds to one when bound. L is
-- replaced first: the separators spell PLUS and EQUALS.
create or replace macro _cpr_pattern() as
    replace(replace(replace(
        '(^|[^0-9A-Fa-fT]|^T|[^0-9]T|[G-Zg-z][A-Fa-f]+)((?:(?:(?:0[.,'' \x{A0}\x{202F}\x{2009}][1-9]|1[.,'' \x{A0}\x{202F}\x{2009}][0-9]|2[.,'' \x{A0}\x{202F}\x{2009}][0-8]|6[.,'' \x{A0}\x{202F}\x{2009}][1-9]|7[.,'' \x{A0}\x{202F}\x{2009}][0-9]|8[.,'' \x{A0}\x{202F}\x{2009}][0-8])(?:0[1-9]|1[0-2])|(?:2[.,'' \x{A0}\x{202F}\x{2009}]9|3[.,'' \x{A0}\x{202F}\x{2009}]0|8[.,'' \x{A0}\x{202F}\x{2009}]9|9[.,'' \x{A0}\x{202F}\x{2009}]0)(?:0[13-9]|1[0-2])|(?:3[.,'' \x{A0}\x{202F}\x{2009}]1|9[.,'' \x{A0}\x{202F}\x{2009}]1)(?:0[13578]|1[02]))[.,'' \x{A0}\x{202F}\x{2009}][0-9]{3}[.,'' \x{A0}\x{202F}\x{2009}][0-9]{3}|(?:2[.,'' \x{A0}\x{202F}\x{2009}]9|8[.,'' \x{A0}\x{202F}\x{2009}]9)02[.,'' \x{A0}\x{202F}\x{2009}](?:[02468][048]|[13579][26])[0-9][.,'' \x{A0}\x{202F}\x{2009}][0-9]{3}|(?:(?:0[1-9]|1[0-9]|2[0-8]|6[1-9]|7[0-9]|8[0-8])S(?:0[1-9]|1[0-2])S[0-9]{2}|(?:29|30|89|90)S(?:0[13-9]|1[0-2])S[0-9]{2}|(?:31|91)S(?:0[13578]|1[02])S[0-9]{2}|(?:29|89)S02S(?:[02468][048]|[13579][26]))(?:Q(?:[0-9]{4}|[0-9]L{2}[0-9])|[\t\p{Z}\p{Pd}./_]Q[0-9]{2}[\t\p{Z}][0-9]{2})))([^0-9A-Fa-f]|$|[A-Fa-f]+[G-Zg-z])',
        'L', _cpr_letter()), 'S', _cpr_sep()), 'Q', _cpr_sep_serial());

-- Every decimal digit of Unicode 17.0 (category Nd) but ASCII's and the full-width ones, in
-- code point order, and the ASCII digit of its value: 750 characters in runs of ten (five runs
-- for the mathematical digits U+1D7CE-U+1D7FF). Written out from Node's \p{Nd};
-- test/transforms/cpr-detect.test.ts checks the list against it and the twin's fold.
create or replace macro _cpr_digits(t) as
    translate(t,
        '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹߀߁߂߃߄߅߆߇߈߉०१२३४५६७८९০১২৩৪৫৬৭৮৯੦੧੨੩੪੫੬੭੮੯૦૧૨૩૪૫૬૭૮૯୦୧୨୩୪୫୬୭୮୯௦௧௨௩௪௫௬௭௮௯౦౧౨౩౪౫౬౭౮౯೦೧೨೩೪೫೬೭೮೯൦൧൨൩൪൫൬൭൮൯෦෧෨෩෪෫෬෭෮෯๐๑๒๓๔๕๖๗๘๙໐໑໒໓໔໕໖໗໘໙༠༡༢༣༤༥༦༧༨༩၀၁၂၃၄၅၆၇၈၉႐႑႒႓႔႕႖႗႘႙០១២៣៤៥៦៧៨៩᠐᠑᠒᠓᠔᠕᠖᠗᠘᠙᥆᥇᥈᥉᥊᥋᥌᥍᥎᥏᧐᧑᧒᧓᧔᧕᧖᧗᧘᧙᪀᪁᪂᪃᪄᪅᪆᪇᪈᪉᪐᪑᪒᪓᪔᪕᪖᪗᪘᪙᭐᭑᭒᭓᭔᭕᭖᭗᭘᭙᮰᮱᮲᮳᮴᮵᮶᮷᮸᮹᱀᱁᱂᱃᱄᱅᱆᱇᱈᱉᱐᱑᱒᱓᱔᱕᱖᱗᱘᱙꘠꘡꘢꘣꘤꘥꘦꘧꘨꘩꣐꣑꣒꣓꣔꣕꣖꣗꣘꣙꤀꤁꤂꤃꤄꤅꤆꤇꤈꤉꧐꧑꧒꧓꧔꧕꧖꧗꧘꧙꧰꧱꧲꧳꧴꧵꧶꧷꧸꧹꩐꩑꩒꩓꩔꩕꩖꩗꩘꩙꯰꯱꯲꯳꯴꯵꯶꯷꯸꯹𐒠𐒡𐒢𐒣𐒤𐒥𐒦𐒧𐒨𐒩𐴰𐴱𐴲𐴳𐴴𐴵𐴶𐴷𐴸𐴹𐵀𐵁𐵂𐵃𐵄𐵅𐵆𐵇𐵈𐵉𑁦𑁧𑁨𑁩𑁪𑁫𑁬𑁭𑁮𑁯𑃰𑃱𑃲𑃳𑃴𑃵𑃶𑃷𑃸𑃹𑄶𑄷𑄸𑄹𑄺𑄻𑄼𑄽𑄾𑄿𑇐𑇑𑇒𑇓𑇔𑇕𑇖𑇗𑇘𑇙𑋰𑋱𑋲𑋳𑋴𑋵𑋶𑋷𑋸𑋹𑑐𑑑𑑒𑑓𑑔𑑕𑑖𑑗𑑘𑑙𑓐𑓑𑓒𑓓𑓔𑓕𑓖𑓗𑓘𑓙𑙐𑙑𑙒𑙓𑙔𑙕𑙖𑙗𑙘𑙙𑛀𑛁𑛂𑛃𑛄𑛅𑛆𑛇𑛈𑛉𑛐𑛑𑛒𑛓𑛔𑛕𑛖𑛗𑛘𑛙𑛚𑛛𑛜𑛝𑛞𑛟𑛠𑛡𑛢𑛣𑜰𑜱𑜲𑜳𑜴𑜵𑜶𑜷𑜸𑜹𑣠𑣡𑣢𑣣𑣤𑣥𑣦𑣧𑣨𑣩𑥐𑥑𑥒𑥓𑥔𑥕𑥖𑥗𑥘𑥙𑯰𑯱𑯲𑯳𑯴𑯵𑯶𑯷𑯸𑯹𑱐𑱑𑱒𑱓𑱔𑱕𑱖𑱗𑱘𑱙𑵐𑵑𑵒𑵓𑵔𑵕𑵖𑵗𑵘𑵙𑶠𑶡𑶢𑶣𑶤𑶥𑶦𑶧𑶨𑶩𑷠𑷡𑷢𑷣𑷤𑷥𑷦𑷧𑷨𑷩𑽐𑽑𑽒𑽓𑽔𑽕𑽖𑽗𑽘𑽙𖄰𖄱𖄲𖄳𖄴𖄵𖄶𖄷𖄸𖄹𖩠𖩡𖩢𖩣𖩤𖩥𖩦𖩧𖩨𖩩𖫀𖫁𖫂𖫃𖫄𖫅𖫆𖫇𖫈𖫉𖭐𖭑𖭒𖭓𖭔𖭕𖭖𖭗𖭘𖭙𖵰𖵱𖵲𖵳𖵴𖵵𖵶𖵷𖵸𖵹𜳰𜳱𜳲𜳳𜳴𜳵𜳶𜳷𜳸𜳹𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗𝟘𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠𝟡𝟢𝟣𝟤𝟥𝟦𝟧𝟨𝟩𝟪𝟫𝟬𝟭𝟮𝟯𝟰𝟱𝟲𝟳𝟴𝟵𝟶𝟷𝟸𝟹𝟺𝟻𝟼𝟽𝟾𝟿𞅀𞅁𞅂𞅃𞅄𞅅𞅆𞅇𞅈𞅉𞋰𞋱𞋲𞋳𞋴𞋵𞋶𞋷𞋸𞋹𞓰𞓱𞓲𞓳𞓴𞓵𞓶𞓷𞓸𞓹𞗱𞗲𞗳𞗴𞗵𞗶𞗷𞗸𞗹𞗺𞥐𞥑𞥒𞥓𞥔𞥕𞥖𞥗𞥘𞥙🯰🯱🯲🯳🯴🯵🯶🯷🯸🯹',
        '012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789');

-- Combining marks (underline U+0332, strike-through U+0336, the keycap U+20E3 and the emoji
-- variation selector U+FE0F of 1️⃣, ...) on anything but a letter are dropped: a digit or
-- separator under a mark reads as itself, while a letter in decomposed form (a + U+030A for å,
-- as macOS names files) keeps its mark.
create or replace macro _cpr_unmark(t) as regexp_replace(t, '(\P{L})\p{M}+', '\1', 'g');

-- The digits Unicode writes raised, lowered or in circles (superscript and subscript digits, the
-- circled, negative circled, sans-serif and double circled ones: NFKC reads the first three as
-- digits) become the ASCII digit of their value. One that touches an ASCII digit is first set
-- apart from it by U+FDD0 (a noncharacter, not in any text; cpr_mask and ascii_fold drop it
-- again), so that a footnote or an exponent after a number (1503851037¹, 10¹²) joins no digits
-- into a longer run or a shorter number into a ten-digit one.
create or replace macro _cpr_compat(t) as
    case when regexp_extract(t, '[\x{B2}\x{B3}\x{B9}\x{2070}\x{2074}-\x{2079}\x{2080}-\x{2089}\x{2460}-\x{2468}\x{24EA}\x{24F5}-\x{24FD}\x{24FF}\x{2776}-\x{277E}\x{2780}-\x{2788}\x{278A}-\x{2792}\x{1F10B}\x{1F10C}]') = '' then t else translate(
        regexp_replace(regexp_replace(t, '([0-9])([\x{B2}\x{B3}\x{B9}\x{2070}\x{2074}-\x{2079}\x{2080}-\x{2089}\x{2460}-\x{2468}\x{24EA}\x{24F5}-\x{24FD}\x{24FF}\x{2776}-\x{277E}\x{2780}-\x{2788}\x{278A}-\x{2792}\x{1F10B}\x{1F10C}])', '\1﷐\2', 'g'),
                       '([\x{B2}\x{B3}\x{B9}\x{2070}\x{2074}-\x{2079}\x{2080}-\x{2089}\x{2460}-\x{2468}\x{24EA}\x{24F5}-\x{24FD}\x{24FF}\x{2776}-\x{277E}\x{2780}-\x{2788}\x{278A}-\x{2792}\x{1F10B}\x{1F10C}])([0-9])', '\1﷐\2', 'g'),
        '⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉⓪①②③④⑤⑥⑦⑧⑨⓿❶❷❸❹❺❻❼❽❾🄋➀➁➂➃➄➅➆➇➈🄌➊➋➌➍➎➏➐➑➒⓵⓶⓷⓸⓹⓺⓻⓼⓽',
        '012345678901234567890123456789012345678901234567890123456789123456789') end;

-- Full-width digits, letters, '.', '/', '_' to ASCII (translate); the invisible format
-- characters dropped (regexp_replace; by code point: soft hyphen U+00AD, Mongolian vowel separator
-- U+180E, zero-width space/joiners and direction marks U+200B-U+200F, embeddings U+202A-U+202E,
-- word joiner and invisible operators U+2060-U+2064, isolates U+2066-U+2069, BOM U+FEFF); the
-- other scripts' digits by _cpr_digits. All run only on a value that holds such a character
-- (the digits as ranges: RE2's \p{Nd} is of an older Unicode). The characters are literals and a
-- class, not a concatenation of chr() calls: DuckDB binds a macro at every use, folding such a
-- concatenation each time, and a run's row checks use the detector once per text column.
-- The characters the fold rewrites or drops: a value without any of them is folded already.
create or replace macro _cpr_foldable() as
    '[\x{FF0E}-\x{FF5A}\p{Cf}\p{M}\x{B2}\x{B3}\x{B9}\x{2070}\x{2074}-\x{2079}\x{2080}-\x{2089}\x{2460}-\x{2468}\x{24EA}\x{24F5}-\x{24FD}\x{24FF}\x{2776}-\x{277E}\x{2780}-\x{2788}\x{278A}-\x{2792}\x{1F10B}\x{1F10C}]|[\x{660}-\x{669}\x{6F0}-\x{6F9}\x{7C0}-\x{7C9}\x{966}-\x{96F}\x{9E6}-\x{9EF}\x{A66}-\x{A6F}\x{AE6}-\x{AEF}\x{B66}-\x{B6F}\x{BE6}-\x{BEF}\x{C66}-\x{C6F}\x{CE6}-\x{CEF}\x{D66}-\x{D6F}\x{DE6}-\x{DEF}\x{E50}-\x{E59}\x{ED0}-\x{ED9}\x{F20}-\x{F29}\x{1040}-\x{1049}\x{1090}-\x{1099}\x{17E0}-\x{17E9}\x{1810}-\x{1819}\x{1946}-\x{194F}\x{19D0}-\x{19D9}\x{1A80}-\x{1A89}\x{1A90}-\x{1A99}\x{1B50}-\x{1B59}\x{1BB0}-\x{1BB9}\x{1C40}-\x{1C49}\x{1C50}-\x{1C59}\x{A620}-\x{A629}\x{A8D0}-\x{A8D9}\x{A900}-\x{A909}\x{A9D0}-\x{A9D9}\x{A9F0}-\x{A9F9}\x{AA50}-\x{AA59}\x{ABF0}-\x{ABF9}\x{104A0}-\x{104A9}\x{10D30}-\x{10D39}\x{10D40}-\x{10D49}\x{11066}-\x{1106F}\x{110F0}-\x{110F9}\x{11136}-\x{1113F}\x{111D0}-\x{111D9}\x{112F0}-\x{112F9}\x{11450}-\x{11459}\x{114D0}-\x{114D9}\x{11650}-\x{11659}\x{116C0}-\x{116C9}\x{116D0}-\x{116E3}\x{11730}-\x{11739}\x{118E0}-\x{118E9}\x{11950}-\x{11959}\x{11BF0}-\x{11BF9}\x{11C50}-\x{11C59}\x{11D50}-\x{11D59}\x{11DA0}-\x{11DA9}\x{11DE0}-\x{11DE9}\x{11F50}-\x{11F59}\x{16130}-\x{16139}\x{16A60}-\x{16A69}\x{16AC0}-\x{16AC9}\x{16B50}-\x{16B59}\x{16D70}-\x{16D79}\x{1CCF0}-\x{1CCF9}\x{1D7CE}-\x{1D7FF}\x{1E140}-\x{1E149}\x{1E2F0}-\x{1E2F9}\x{1E4F0}-\x{1E4F9}\x{1E5F1}-\x{1E5FA}\x{1E950}-\x{1E959}\x{1FBF0}-\x{1FBF9}]';

-- The fold itself, for a value that holds such a character.
create or replace macro _cpr_fold_all(t) as
    _cpr_compat(_cpr_unmark(_cpr_digits(translate(
        regexp_replace(t, '[\x{AD}\x{180E}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{FEFF}]', '', 'g'),
        '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ．／＿',
        '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./_'))));

create or replace macro _cpr_fold(t) as
    case when strlen(t) = length(t) or regexp_extract(t, _cpr_foldable()) = '' then t else _cpr_fold_all(t) end;

-- Digits escaped one by one, as text that went through HTML or XML (&#50;&#52; &#x32;), JSON
-- (\u0032, kept as written in a reject's raw line or a text field that was escaped twice) or a
-- URL (%32) has them, read as the digits they stand for: an escaped number is a number. Only the
-- ten digits: an escape of anything else stays as written (the escaped spaces and dashes are
-- separators of their own, above). A character reference needs its ';', which ends it where a
-- reader of HTML would (&#5052; is no 2). One search finds every escape: a hex one gives its last
-- digit, a decimal one its code between U+FDD1 and U+FDD2 (noncharacters, in no text), which
-- ten replacements read (the other escapes leave the two marks empty, and they go first), so that
-- a digit it gives never completes another reference. A full-width digit escaped (&#xFF11;
-- &#65297; \uFF11 %EF%BC%91) is the digit too, as the fold reads it unescaped: its decimal
-- reference is read by ten more replacements. Percent-encoding applied twice or more (%2531 for
-- %31 for 1, %252D for %2D for '-', as a URL built from an encoded one has it) is first read
-- back to once: '%' and any run of '25' before two hex digits is the '%' it encodes, so escaped
-- digits, separators and letters are read whatever the number of layers. The texts without '&#',
-- '%3', '%E' (either case), '%25' or a backslash skip it (_cpr_read): a substring test, far cheaper than the
-- detector's search (one for '003' was not: digit-heavy text holds many a '0'). A JSON escape is also read with a capital U, and a named entity in capitals
-- (\U0032, &NDASH;): staging upper-cases codes before a report masks them.
create or replace macro _cpr_unescape(t) as
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        regexp_replace(regexp_replace(t, '%(?:25)+([0-9A-Fa-f]{2})', '%\1', 'g'), '&#[xX]0*(?:3|[fF][fF]1)([0-9]);|\\[uU](?:003|[fF][fF]1)([0-9])|%(?:3|[eE][fF]%[bB][cC]%9)([0-9])|&#0*(4[89]|5[0-7]|6529[6-9]|6530[0-5]);', '\1\2\3﷑\4﷒', 'g'),
        '﷑﷒', ''), '﷑48﷒', '0'), '﷑49﷒', '1'), '﷑50﷒', '2'), '﷑51﷒', '3'), '﷑52﷒', '4'),
        '﷑53﷒', '5'), '﷑54﷒', '6'), '﷑55﷒', '7'), '﷑56﷒', '8'), '﷑57﷒', '9'),
        '﷑65296﷒', '0'), '﷑65297﷒', '1'), '﷑65298﷒', '2'), '﷑65299﷒', '3'), '﷑65300﷒', '4'),
        '﷑65301﷒', '5'), '﷑65302﷒', '6'), '﷑65303﷒', '7'), '﷑65304﷒', '8'), '﷑65305﷒', '9');

-- Escapes of escapes, read back to one layer first (_cpr_unwrap): the '&', '#', ';', '\' and
-- '%' that spell an escape may themselves be escaped, as text escaped twice has them (HTML of
-- HTML, &amp;#49; and &amp;amp;#49;; an entity in a URL, %26%2349%3B; an entity in JSON,
-- \u0026#49;; a percent escape in HTML, &#37;31; a JSON escape in a URL, %5Cu0031), and the
-- percent-encoding of any of them applied more than once (%2526). Each of the five characters is
-- read from its HTML reference (decimal, hex, the named one), its percent-encoding and its JSON
-- escape; '&amp;' repeated is one '&'. One pass, in the order a reader undoes the layers: the
-- URL's first, then JSON's, then HTML's (a third layer of another kind stays as written). Text
-- so read is only ever searched and masked: what comes out of cpr_mask is the delivered text
-- wherever it holds no number. One search first: most escaped text has none of these.
create or replace macro _cpr_unwrap(t) as
    case when regexp_extract(t, '%(?:25)+[0-9A-Fa-f]{2}|%2[36]|%3[bB]|%5[cC]|\\[uU]00(?:2[356]|3[bB]|5[cC])|&(?:amp;|AMP;|#0*(?:3[5-8]|59|92);|#[xX]0*(?:2[356]|3[bB]|5[cC]);|num;|semi;|bsol;|percnt;)') = '' then t else
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(t,
        '%(?:25)+([0-9A-Fa-f]{2})', '%\1', 'g'),
        '%26|\\[uU]0026|&(?:amp;|AMP;|#0*38;|#[xX]0*26;)+', '&', 'g'),
        '%23|\\[uU]0023|&#0*35;|&#[xX]0*23;|&num;', '#', 'g'),
        '%3[bB]|\\[uU]003[bB]|&#0*59;|&#[xX]0*3[bB];|&semi;', ';', 'g'),
        '%5[cC]|\\[uU]005[cC]|&#0*92;|&#[xX]0*5[cC];|&bsol;', '\\', 'g'),
        '\\[uU]0025|&#0*37;|&#[xX]0*25;|&percnt;', '%', 'g') end;

-- The digits of other scripts escaped (&#x661; &#1633; \u0661 %D9%A1, the mathematical ones
-- beyond U+FFFF as &#x1D7CF;, &#120783;, a JSON surrogate pair \uD835\uDFCF or four
-- percent-encoded bytes) become the digit they stand for, which the fold then reads as its
-- ASCII value; an escape of anything else stays as written, so an escaped letter or sign glues
-- to nothing new. Only where an escape of a code point from U+0100 up is (the ASCII digits'
-- escapes are _cpr_unescape's); the text is cut into escapes and the runs between them, each
-- escape decoded (try(): a code point that is no character, or bytes that are no UTF-8, stay as
-- written). The class: every decimal digit of Unicode 17.0 but ASCII's, full-width ones included.
-- The test before it lists those digits' escapes (hex, decimal, JSON and percent-encoded, any
-- case), so that text whose escapes stand for other characters (&#8805; \u00e6 %C3%A6) is not
-- cut up; a JSON surrogate pair passes it whatever it stands for.
create or replace macro _cpr_wide(t) as
    case when regexp_extract(t, '(?i:&#x0*(?:66[0-9]|6f[0-9]|7c[0-9]|96[6-9a-f]|9e[6-9a-f]|a6[6-9a-f]|ae[6-9a-f]|b6[6-9a-f]|be[6-9a-f]|c6[6-9a-f]|ce[6-9a-f]|d6[6-9a-f]|de[6-9a-f]|e5[0-9]|ed[0-9]|f2[0-9]|104[0-9]|109[0-9]|17e[0-9]|181[0-9]|194[6-9a-f]|19d[0-9]|1a8[0-9]|1a9[0-9]|1b5[0-9]|1bb[0-9]|1c4[0-9]|1c5[0-9]|a62[0-9]|a8d[0-9]|a90[0-9]|a9d[0-9]|a9f[0-9]|aa5[0-9]|abf[0-9]|104a[0-9]|10d3[0-9]|10d4[0-9]|1106[6-9a-f]|110f[0-9]|1113[6-9a-f]|111d[0-9]|112f[0-9]|1145[0-9]|114d[0-9]|1165[0-9]|116c[0-9]|116d[0-9a-f]|116e[0-3]|1173[0-9]|118e[0-9]|1195[0-9]|11bf[0-9]|11c5[0-9]|11d5[0-9]|11da[0-9]|11de[0-9]|11f5[0-9]|1613[0-9]|16a6[0-9]|16ac[0-9]|16b5[0-9]|16d7[0-9]|1ccf[0-9]|1d7c[ef]|1d7d[0-9a-f]|1d7e[0-9a-f]|1d7f[0-9a-f]|1e14[0-9]|1e2f[0-9]|1e4f[0-9]|1e5f[1-9a]|1e95[0-9]|1fbf[0-9]|ff1[0-9]);|&#0*(?:163[2-9]|164[01]|177[6-9]|178[0-5]|198[4-9]|199[0-3]|240[6-9]|241[0-5]|253[4-9]|254[0-3]|266[2-9]|267[01]|279[0-9]|291[89]|292[0-7]|304[6-9]|305[0-5]|317[4-9]|318[0-3]|330[2-9]|331[01]|343[0-9]|355[89]|356[0-7]|366[4-9]|367[0-3]|379[2-9]|380[01]|387[2-9]|388[01]|416[0-9]|424[0-9]|611[2-9]|612[01]|616[0-9]|647[0-9]|660[89]|661[0-7]|678[4-9]|679[0-3]|680[0-9]|699[2-9]|700[01]|708[89]|709[0-7]|723[2-9]|724[0189]|725[0-7]|4252[89]|4253[0-7]|4321[6-9]|4322[0-5]|4326[4-9]|4327[0-3]|4347[2-9]|4348[01]|4350[4-9]|4351[0-3]|4360[0-9]|4401[6-9]|4402[0-5]|6672[0-9]|6891[2-9]|6892[0189]|6893[0-7]|6973[4-9]|6974[0-3]|6987[2-9]|6988[01]|6994[2-9]|6995[01]|7009[6-9]|7010[0-5]|7038[4-9]|7039[0-3]|7073[6-9]|7074[0-5]|7086[4-9]|7087[0-3]|7124[89]|7125[0-7]|7136[0-9]|7137[6-9]|7138[0-9]|7139[0-5]|7147[2-9]|7148[01]|7190[4-9]|7191[0-3]|7201[6-9]|7202[0-5]|7268[89]|7269[0-7]|7278[4-9]|7279[0-3]|7304[0-9]|7312[0-9]|7318[4-9]|7319[0-3]|7355[2-9]|7356[01]|9041[6-9]|9042[0-5]|9276[89]|9277[0-7]|9286[4-9]|9287[0-3]|9300[89]|9301[0-7]|9355[2-9]|9356[01]|11800[0-9]|12078[2-9]|12079[0-9]|12080[0-9]|12081[0-9]|12082[0-9]|12083[01]|12320[0-9]|12363[2-9]|12364[01]|12414[4-9]|12415[0-3]|12440[1-9]|124410|12526[4-9]|12527[0-3]|13003[2-9]|13004[01]|6529[6-9]|6530[0-5]);|\\u(?:066[0-9]|06f[0-9]|07c[0-9]|096[6-9a-f]|09e[6-9a-f]|0a6[6-9a-f]|0ae[6-9a-f]|0b6[6-9a-f]|0be[6-9a-f]|0c6[6-9a-f]|0ce[6-9a-f]|0d6[6-9a-f]|0de[6-9a-f]|0e5[0-9]|0ed[0-9]|0f2[0-9]|104[0-9]|109[0-9]|17e[0-9]|181[0-9]|194[6-9a-f]|19d[0-9]|1a8[0-9]|1a9[0-9]|1b5[0-9]|1bb[0-9]|1c4[0-9]|1c5[0-9]|a62[0-9]|a8d[0-9]|a90[0-9]|a9d[0-9]|a9f[0-9]|aa5[0-9]|abf[0-9]|ff1[0-9])|\\ud[89ab][0-9a-f]{2}\\ud[c-f]|%d9%a[0-9]|%db%b[0-9]|%df%8[0-9]|%e0%a5%a[6-9a-f]|%e0%a7%a[6-9a-f]|%e0%a9%a[6-9a-f]|%e0%ab%a[6-9a-f]|%e0%ad%a[6-9a-f]|%e0%af%a[6-9a-f]|%e0%b1%a[6-9a-f]|%e0%b3%a[6-9a-f]|%e0%b5%a[6-9a-f]|%e0%b7%a[6-9a-f]|%e0%b9%9[0-9]|%e0%bb%9[0-9]|%e0%bc%a[0-9]|%e1%81%8[0-9]|%e1%82%9[0-9]|%e1%9f%a[0-9]|%e1%a0%9[0-9]|%e1%a5%8[6-9a-f]|%e1%a7%9[0-9]|%e1%aa%8[0-9]|%e1%aa%9[0-9]|%e1%ad%9[0-9]|%e1%ae%b[0-9]|%e1%b1%8[0-9]|%e1%b1%9[0-9]|%ea%98%a[0-9]|%ea%a3%9[0-9]|%ea%a4%8[0-9]|%ea%a7%9[0-9]|%ea%a7%b[0-9]|%ea%a9%9[0-9]|%ea%af%b[0-9]|%f0%90%92%a[0-9]|%f0%90%b4%b[0-9]|%f0%90%b5%8[0-9]|%f0%91%81%a[6-9a-f]|%f0%91%83%b[0-9]|%f0%91%84%b[6-9a-f]|%f0%91%87%9[0-9]|%f0%91%8b%b[0-9]|%f0%91%91%9[0-9]|%f0%91%93%9[0-9]|%f0%91%99%9[0-9]|%f0%91%9b%8[0-9]|%f0%91%9b%9[0-9a-f]|%f0%91%9b%a[0-3]|%f0%91%9c%b[0-9]|%f0%91%a3%a[0-9]|%f0%91%a5%9[0-9]|%f0%91%af%b[0-9]|%f0%91%b1%9[0-9]|%f0%91%b5%9[0-9]|%f0%91%b6%a[0-9]|%f0%91%b7%a[0-9]|%f0%91%bd%9[0-9]|%f0%96%84%b[0-9]|%f0%96%a9%a[0-9]|%f0%96%ab%8[0-9]|%f0%96%ad%9[0-9]|%f0%96%b5%b[0-9]|%f0%9c%b3%b[0-9]|%f0%9d%9f%8[ef]|%f0%9d%9f%9[0-9a-f]|%f0%9d%9f%a[0-9a-f]|%f0%9d%9f%b[0-9a-f]|%f0%9e%85%8[0-9]|%f0%9e%8b%b[0-9]|%f0%9e%93%b[0-9]|%f0%9e%97%b[1-9a]|%f0%9e%a5%9[0-9]|%f0%9f%af%b[0-9]|%ef%bc%9[0-9])') = '' then t
    else array_to_string(list_transform(
        regexp_extract_all(t, '&#[xX]0*[0-9A-Fa-f]{1,6};|&#0*[0-9]{1,7};|\\[uU][dD][89abAB][0-9A-Fa-f]{2}\\[uU][dD][c-fC-F][0-9A-Fa-f]{2}|\\[uU][0-9A-Fa-f]{4}|%[cdCD][0-9A-Fa-f]%[89abAB][0-9A-Fa-f]|%[eE][0-9A-Fa-f](?:%[89abAB][0-9A-Fa-f]){2}|%[fF][0-7](?:%[89abAB][0-9A-Fa-f]){3}|[^&\\%]+|[\s\S]'),
        x -> case when length(x) < 6 or x[1] not in ('&', '\', '%') then x else coalesce(nullif(regexp_extract(coalesce(try(
            case when x[1] = '%' then url_decode(x)
                 when x[1] = '\' and length(x) = 12 then chr(('0x' || x[3:6])::integer * 1024 + ('0x' || x[9:12])::integer - 56613888)
                 when x[1] = '\' then chr(('0x' || x[3:6])::integer)
                 when x[3] in ('x', 'X') then chr(('0x' || x[4:-2])::integer)
                 else chr(x[3:-2]::integer) end), ''),
            '^[\x{660}-\x{669}\x{6F0}-\x{6F9}\x{7C0}-\x{7C9}\x{966}-\x{96F}\x{9E6}-\x{9EF}\x{A66}-\x{A6F}\x{AE6}-\x{AEF}\x{B66}-\x{B6F}\x{BE6}-\x{BEF}\x{C66}-\x{C6F}\x{CE6}-\x{CEF}\x{D66}-\x{D6F}\x{DE6}-\x{DEF}\x{E50}-\x{E59}\x{ED0}-\x{ED9}\x{F20}-\x{F29}\x{1040}-\x{1049}\x{1090}-\x{1099}\x{17E0}-\x{17E9}\x{1810}-\x{1819}\x{1946}-\x{194F}\x{19D0}-\x{19D9}\x{1A80}-\x{1A89}\x{1A90}-\x{1A99}\x{1B50}-\x{1B59}\x{1BB0}-\x{1BB9}\x{1C40}-\x{1C49}\x{1C50}-\x{1C59}\x{A620}-\x{A629}\x{A8D0}-\x{A8D9}\x{A900}-\x{A909}\x{A9D0}-\x{A9D9}\x{A9F0}-\x{A9F9}\x{AA50}-\x{AA59}\x{ABF0}-\x{ABF9}\x{104A0}-\x{104A9}\x{10D30}-\x{10D39}\x{10D40}-\x{10D49}\x{11066}-\x{1106F}\x{110F0}-\x{110F9}\x{11136}-\x{1113F}\x{111D0}-\x{111D9}\x{112F0}-\x{112F9}\x{11450}-\x{11459}\x{114D0}-\x{114D9}\x{11650}-\x{11659}\x{116C0}-\x{116C9}\x{116D0}-\x{116E3}\x{11730}-\x{11739}\x{118E0}-\x{118E9}\x{11950}-\x{11959}\x{11BF0}-\x{11BF9}\x{11C50}-\x{11C59}\x{11D50}-\x{11D59}\x{11DA0}-\x{11DA9}\x{11DE0}-\x{11DE9}\x{11F50}-\x{11F59}\x{16130}-\x{16139}\x{16A60}-\x{16A69}\x{16AC0}-\x{16AC9}\x{16B50}-\x{16B59}\x{16D70}-\x{16D79}\x{1CCF0}-\x{1CCF9}\x{1D7CE}-\x{1D7FF}\x{1E140}-\x{1E149}\x{1E2F0}-\x{1E2F9}\x{1E4F0}-\x{1E4F9}\x{1E5F1}-\x{1E5FA}\x{1E950}-\x{1E959}\x{1FBF0}-\x{1FBF9}\x{FF10}-\x{FF19}]$'), ''), x) end), '') end;

-- What the detector reads: escapes of escapes read back to one layer (_cpr_unwrap), other scripts'
-- escaped digits decoded (_cpr_wide), the digits unescaped, then folded (_cpr_fold of
-- _cpr_unescape). The texts without '&#', '&amp;', '%' before 3, 5, D, E, F, 25 or 26 (either
-- case), or a backslash skip all of it; the detailed tests only run on a text that holds a '&' or
-- a '%' (a CASE: DuckDB evaluates every operand of an OR or AND on every row), so that text
-- without either (most of it) is scanned three times, not sixteen. An ASCII text with neither an
-- escape of an escape's characters (_cpr_unwrap's test) nor an escape of another script's digit
-- (_cpr_wide's) is read as before, by _cpr_unescape alone: an escape behind another layer is
-- always the first. The rest goes through all three, once (bound to u by a lambda: a macro's
-- argument is repeated wherever the macro names it), and is folded only if it is no longer
-- ASCII. Written
-- out so that the value is tested as it is, once: nested in the fold, which repeats its argument,
-- the test for escapes ran several times on every text; a second fold in a branch of its own
-- doubled the time to bind every use of the detector. The fold of a value without foldable
-- characters is that value, so folding every unescaped value gives the same text. An ASCII value
-- is still ASCII unescaped (an escape reads as an ASCII digit or '%') and the fold leaves ASCII as
-- it is, so such a value skips the fold: its translate() of 750 digits costs far more than the
-- rest of the detector, and escapes mostly come in ASCII text (URLs, HTML, JSON).
-- The tests for characters to fold and for escapes are regexp_extract(...) = '', not
-- regexp_matches: DuckDB compiles a pattern when it binds a call and when it runs it, and for
-- regexp_matches once more while optimising; these run on the few texts that are not plain
-- ASCII or hold an escape, so their compiling is most of what they cost. None of their patterns
-- matches an empty text, so '' means no match.
create or replace macro _cpr_read(t) as
    case when (strlen(t) = length(t) or regexp_extract(t, _cpr_foldable()) = '')
              and not case when contains(t, '\') then true when not (contains(t, '&') or contains(t, '%')) then false
                           else contains(t, '&#') or contains(t, '&amp;') or contains(t, '&AMP;') or contains(t, '%3') or contains(t, '%E')
                                or contains(t, '%e') or contains(t, '%25') or contains(t, '%26') or contains(t, '%5') or contains(t, '%D')
                                or contains(t, '%d') or contains(t, '%F') or contains(t, '%f') end then t
         when strlen(t) = length(t) and regexp_extract(t, '%(?:25)+[0-9A-Fa-f]{2}|%2[36]|%3[bB]|%5[cC]|\\[uU]00(?:2[356]|3[bB]|5[cC])|&(?:amp;|AMP;|#0*(?:3[5-8]|59|92);|#[xX]0*(?:2[356]|3[bB]|5[cC]);|num;|semi;|bsol;|percnt;)|(?i:&#x0*(?:66[0-9]|6f[0-9]|7c[0-9]|96[6-9a-f]|9e[6-9a-f]|a6[6-9a-f]|ae[6-9a-f]|b6[6-9a-f]|be[6-9a-f]|c6[6-9a-f]|ce[6-9a-f]|d6[6-9a-f]|de[6-9a-f]|e5[0-9]|ed[0-9]|f2[0-9]|104[0-9]|109[0-9]|17e[0-9]|181[0-9]|194[6-9a-f]|19d[0-9]|1a8[0-9]|1a9[0-9]|1b5[0-9]|1bb[0-9]|1c4[0-9]|1c5[0-9]|a62[0-9]|a8d[0-9]|a90[0-9]|a9d[0-9]|a9f[0-9]|aa5[0-9]|abf[0-9]|104a[0-9]|10d3[0-9]|10d4[0-9]|1106[6-9a-f]|110f[0-9]|1113[6-9a-f]|111d[0-9]|112f[0-9]|1145[0-9]|114d[0-9]|1165[0-9]|116c[0-9]|116d[0-9a-f]|116e[0-3]|1173[0-9]|118e[0-9]|1195[0-9]|11bf[0-9]|11c5[0-9]|11d5[0-9]|11da[0-9]|11de[0-9]|11f5[0-9]|1613[0-9]|16a6[0-9]|16ac[0-9]|16b5[0-9]|16d7[0-9]|1ccf[0-9]|1d7c[ef]|1d7d[0-9a-f]|1d7e[0-9a-f]|1d7f[0-9a-f]|1e14[0-9]|1e2f[0-9]|1e4f[0-9]|1e5f[1-9a]|1e95[0-9]|1fbf[0-9]|ff1[0-9]);|&#0*(?:163[2-9]|164[01]|177[6-9]|178[0-5]|198[4-9]|199[0-3]|240[6-9]|241[0-5]|253[4-9]|254[0-3]|266[2-9]|267[01]|279[0-9]|291[89]|292[0-7]|304[6-9]|305[0-5]|317[4-9]|318[0-3]|330[2-9]|331[01]|343[0-9]|355[89]|356[0-7]|366[4-9]|367[0-3]|379[2-9]|380[01]|387[2-9]|388[01]|416[0-9]|424[0-9]|611[2-9]|612[01]|616[0-9]|647[0-9]|660[89]|661[0-7]|678[4-9]|679[0-3]|680[0-9]|699[2-9]|700[01]|708[89]|709[0-7]|723[2-9]|724[0189]|725[0-7]|4252[89]|4253[0-7]|4321[6-9]|4322[0-5]|4326[4-9]|4327[0-3]|4347[2-9]|4348[01]|4350[4-9]|4351[0-3]|4360[0-9]|4401[6-9]|4402[0-5]|6672[0-9]|6891[2-9]|6892[0189]|6893[0-7]|6973[4-9]|6974[0-3]|6987[2-9]|6988[01]|6994[2-9]|6995[01]|7009[6-9]|7010[0-5]|7038[4-9]|7039[0-3]|7073[6-9]|7074[0-5]|7086[4-9]|7087[0-3]|7124[89]|7125[0-7]|7136[0-9]|7137[6-9]|7138[0-9]|7139[0-5]|7147[2-9]|7148[01]|7190[4-9]|7191[0-3]|7201[6-9]|7202[0-5]|7268[89]|7269[0-7]|7278[4-9]|7279[0-3]|7304[0-9]|7312[0-9]|7318[4-9]|7319[0-3]|7355[2-9]|7356[01]|9041[6-9]|9042[0-5]|9276[89]|9277[0-7]|9286[4-9]|9287[0-3]|9300[89]|9301[0-7]|9355[2-9]|9356[01]|11800[0-9]|12078[2-9]|12079[0-9]|12080[0-9]|12081[0-9]|12082[0-9]|12083[01]|12320[0-9]|12363[2-9]|12364[01]|12414[4-9]|12415[0-3]|12440[1-9]|124410|12526[4-9]|12527[0-3]|13003[2-9]|13004[01]|6529[6-9]|6530[0-5]);|\\u(?:066[0-9]|06f[0-9]|07c[0-9]|096[6-9a-f]|09e[6-9a-f]|0a6[6-9a-f]|0ae[6-9a-f]|0b6[6-9a-f]|0be[6-9a-f]|0c6[6-9a-f]|0ce[6-9a-f]|0d6[6-9a-f]|0de[6-9a-f]|0e5[0-9]|0ed[0-9]|0f2[0-9]|104[0-9]|109[0-9]|17e[0-9]|181[0-9]|194[6-9a-f]|19d[0-9]|1a8[0-9]|1a9[0-9]|1b5[0-9]|1bb[0-9]|1c4[0-9]|1c5[0-9]|a62[0-9]|a8d[0-9]|a90[0-9]|a9d[0-9]|a9f[0-9]|aa5[0-9]|abf[0-9]|ff1[0-9])|\\ud[89ab][0-9a-f]{2}\\ud[c-f]|%d9%a[0-9]|%db%b[0-9]|%df%8[0-9]|%e0%a5%a[6-9a-f]|%e0%a7%a[6-9a-f]|%e0%a9%a[6-9a-f]|%e0%ab%a[6-9a-f]|%e0%ad%a[6-9a-f]|%e0%af%a[6-9a-f]|%e0%b1%a[6-9a-f]|%e0%b3%a[6-9a-f]|%e0%b5%a[6-9a-f]|%e0%b7%a[6-9a-f]|%e0%b9%9[0-9]|%e0%bb%9[0-9]|%e0%bc%a[0-9]|%e1%81%8[0-9]|%e1%82%9[0-9]|%e1%9f%a[0-9]|%e1%a0%9[0-9]|%e1%a5%8[6-9a-f]|%e1%a7%9[0-9]|%e1%aa%8[0-9]|%e1%aa%9[0-9]|%e1%ad%9[0-9]|%e1%ae%b[0-9]|%e1%b1%8[0-9]|%e1%b1%9[0-9]|%ea%98%a[0-9]|%ea%a3%9[0-9]|%ea%a4%8[0-9]|%ea%a7%9[0-9]|%ea%a7%b[0-9]|%ea%a9%9[0-9]|%ea%af%b[0-9]|%f0%90%92%a[0-9]|%f0%90%b4%b[0-9]|%f0%90%b5%8[0-9]|%f0%91%81%a[6-9a-f]|%f0%91%83%b[0-9]|%f0%91%84%b[6-9a-f]|%f0%91%87%9[0-9]|%f0%91%8b%b[0-9]|%f0%91%91%9[0-9]|%f0%91%93%9[0-9]|%f0%91%99%9[0-9]|%f0%91%9b%8[0-9]|%f0%91%9b%9[0-9a-f]|%f0%91%9b%a[0-3]|%f0%91%9c%b[0-9]|%f0%91%a3%a[0-9]|%f0%91%a5%9[0-9]|%f0%91%af%b[0-9]|%f0%91%b1%9[0-9]|%f0%91%b5%9[0-9]|%f0%91%b6%a[0-9]|%f0%91%b7%a[0-9]|%f0%91%bd%9[0-9]|%f0%96%84%b[0-9]|%f0%96%a9%a[0-9]|%f0%96%ab%8[0-9]|%f0%96%ad%9[0-9]|%f0%96%b5%b[0-9]|%f0%9c%b3%b[0-9]|%f0%9d%9f%8[ef]|%f0%9d%9f%9[0-9a-f]|%f0%9d%9f%a[0-9a-f]|%f0%9d%9f%b[0-9a-f]|%f0%9e%85%8[0-9]|%f0%9e%8b%b[0-9]|%f0%9e%93%b[0-9]|%f0%9e%97%b[1-9a]|%f0%9e%a5%9[0-9]|%f0%9f%af%b[0-9]|%ef%bc%9[0-9])') = ''
              then _cpr_unescape(t)
         else list_transform([_cpr_unescape(_cpr_wide(_cpr_unwrap(t)))], u -> case when strlen(u) = length(u) then u else _cpr_fold_all(u) end)[1] end;

-- ascii_fold(t): the fold above for other readers of numbers: an identifier written in the digits
-- of another script or full-width (a FHIR performer's SOR code) reads as the ASCII one.
create or replace macro ascii_fold(t) as replace(_cpr_fold(t), '﷐', '');

create or replace macro cpr_find(t) as
    case when strlen(t) >= 10 then nullif(regexp_extract(_cpr_read(t), _cpr_pattern(), 2), '') end;

create or replace macro has_cpr(t) as
    case when strlen(t) >= 10 then coalesce(regexp_matches(_cpr_read(t), _cpr_pattern()), false) else false end;

-- Two passes: a match consumes the character after its number, which may be the only character
-- before the next number (1503851037 1503851038); the second pass finds those. A number the first
-- pass skipped this way is followed by an intact boundary and preceded by the mask and its own
-- boundary, so the second pass finds it, and two such numbers cannot follow each other. Where
-- numbers overlap (share digits), the first one the scan meets is masked and the rest of the
-- other stays: a fragment, never a whole number (has_cpr(cpr_mask(t)) is false).
create or replace macro cpr_mask(t) as
    case when has_cpr(t) then replace(regexp_replace(regexp_replace(_cpr_read(t), _cpr_pattern(), '\1[CPR]\3', 'g'),
                                                     _cpr_pattern(), '\1[CPR]\3', 'g'), '﷐', '')
         else t end;
