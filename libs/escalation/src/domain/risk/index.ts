/**
 * Early warning (issue 5): the risk that an open case misses its time limit.
 *
 * Pure, no I/O. Three pieces:
 * - `CaseLedger`: what the platform knows at any moment from its clocks — which
 *   cases are open in a unit (and how many of them are already past their
 *   limit), which limits were met or missed so far. Every query takes the moment
 *   `at` and only reads what was known before it (a case counts as open at `at`
 *   if it was opened before `at` and not closed before `at`; a limit counts as
 *   missed once it passed with the case still open, as met once the case closed
 *   in time), so features computed for the past never see the future.
 * - `riskFeatures`: a handful of numbers describing a case at a moment: the time
 *   it is allowed, when it came in, the smoothed late rates of its category, unit
 *   and category × unit (all time, last 30 and 7 days), the unit's load and
 *   backlog now, and — for a case already running — how many cases wait before it.
 * - `RiskModel`: a logistic regression per stage of a case's life (at intake, and
 *   still open after 25 / 50 / 75 % of its allowed time), trained by plain
 *   gradient descent on standardised features; plain JSON, every weight readable
 *   (`explainRisk` lists each feature's contribution to a score).
 */

export * from './ledger';
export * from './features';
export * from './model';
export * from './training';
