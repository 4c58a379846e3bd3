/**
 * Every lesson of docs/WORKSHOP.md, run as the page gives them (npm run test:long):
 * tests/workshop.test.ts runs only the lessons with a named outcome in npm test.
 */
import { parseWorkshop } from '../helpers/workshop-page.ts';
import { lessonTest, readPage } from '../helpers/workshop-lesson.ts';
import { outcomes } from '../helpers/workshop-outcomes.ts';

const page = readPage();
const numbers = page === undefined ? [1] : parseWorkshop(page).lessons.map((lesson) => lesson.number);
for (const number of numbers) lessonTest(number, outcomes[number]);
