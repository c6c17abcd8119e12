/** Invalid input to an evaluation function (empty or non-finite scores, labels other than 0/1, ...). */
export class EvaluationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationInputError';
  }
}
