/** Invalid input to the alert rule (unordered cycles, non-finite scores, inconsistent settings). */
export class AlertRuleInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertRuleInputError';
  }
}
