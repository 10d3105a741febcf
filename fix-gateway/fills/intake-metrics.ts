import { Counter, type Registry } from 'prom-client';
import type { IntakeOutcome } from './fill-intake';

/**
 * Every venue report by what the intake made of it; `malformed` counts the venue's protocol errors (a fill
 * off the ledger's scale), which an operator takes up with the venue, since nothing of them is booked.
 */
export const intakeOutcomeCounter = (registry: Registry): ((outcome: IntakeOutcome, execType: string) => void) => {
  const counter = new Counter({
    name: 'fix_gateway_reports_total', help: 'Venue reports received by the fill intake, by outcome and ExecType',
    labelNames: ['outcome', 'exec_type'], registers: [registry],
  });
  return (outcome, execType) => counter.inc({ outcome, exec_type: execType });
};
