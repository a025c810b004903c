-- wilson_low(k, n) / wilson_high(k, n): the Wilson score interval, 95% (z = 1.959963984540054),
-- for k successes out of n:
--     (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n),  p = k/n.
-- Unlike the normal approximation it stays inside 0..1 and is not degenerate at 0 or 1, which is
-- what a small clinic or journal system with a dozen diagnoses needs. At k = 0 the lower bound is
-- 0 and at k = n the upper bound is 1 on paper; the case expressions say so instead of leaving
-- floating-point crumbs of 1e-18. n = 0 (or null) has no interval.
create or replace macro wilson_low(k, n) as
    case
        when n is null or n = 0 then null
        when k = 0 then 0.0
        else (k::double / n + 1.959963984540054 ^ 2 / (2 * n)
              - 1.959963984540054 * sqrt((k::double / n) * (1 - k::double / n) / n + 1.959963984540054 ^ 2 / (4 * n::double * n)))
             / (1 + 1.959963984540054 ^ 2 / n)
    end;

create or replace macro wilson_high(k, n) as
    case
        when n is null or n = 0 then null
        when k = n then 1.0
        else (k::double / n + 1.959963984540054 ^ 2 / (2 * n)
              + 1.959963984540054 * sqrt((k::double / n) * (1 - k::double / n) / n + 1.959963984540054 ^ 2 / (4 * n::double * n)))
             / (1 + 1.959963984540054 ^ 2 / n)
    end;
