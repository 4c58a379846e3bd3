/**
 * Progress lines on stderr for long runs: which step, which system, which run, time so far
 * and a time-left estimate. Each planned step carries a guess of its seconds; the estimate
 * scales what is left by how the guesses have compared with the clock so far.
 */

export type PlannedStep = { label: string; guessS: number; run: () => Promise<void> };

const clock = (seconds: number) => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export class Progress {
  #steps: PlannedStep[];
  #startedAt = Date.now();
  #guessedDoneS = 0;
  #index = 0;

  constructor(steps: PlannedStep[]) {
    this.#steps = steps;
  }

  get totalGuessS(): number {
    return this.#steps.reduce((sum, step) => sum + step.guessS, 0);
  }

  /** Prints the line for the next step. */
  begin(step: PlannedStep): void {
    this.#index++;
    const elapsedS = (Date.now() - this.#startedAt) / 1000;
    const leftGuessS = this.totalGuessS - this.#guessedDoneS;
    // Until a few steps have run, trust the guesses; after that, correct them by the pace so far.
    const pace = this.#guessedDoneS > 5 ? elapsedS / this.#guessedDoneS : 1;
    const width = String(this.#steps.length).length;
    process.stderr.write(`bench [${String(this.#index).padStart(width)}/${this.#steps.length}] ${step.label.padEnd(48)} ${clock(elapsedS)} elapsed, ~${clock(leftGuessS * pace)} left\n`);
  }

  end(step: PlannedStep): void {
    this.#guessedDoneS += step.guessS;
  }

  get elapsedS(): number {
    return (Date.now() - this.#startedAt) / 1000;
  }
}
