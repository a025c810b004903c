-- row_id(file_no, line): one bigint that sorts as (source file, line) does.
-- file_no numbers the run's delivery files in name order (staging/stg_files.sql); the line
-- goes in the low 40 bits (2^40 = 1099511627776 lines, far more than a file holds). The unique
-- check keeps the last row by row_id, and this gives that order without sorting every row
-- (a row_number() over the rows carried every column through a sort).
-- Examples: row_id(1, 7) = 1099511627783; row_id(2, 1) = 2199023255553 > row_id(1, 7).
create or replace macro row_id(file_no, line) as
    file_no * 1099511627776 + line;
