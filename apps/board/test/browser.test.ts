import { sharedRedis } from '@graflow/testing';
import { createBoardServer, type BoardServer } from '../src/server';
import { artifactPath, launchChromium, type Chromium } from './fixtures/chromium';
import { colonFreePrefix, crunchGroup, startWorkers, type Harness } from './fixtures/workflows';

let board: BoardServer | undefined;
let workers: Harness | undefined;
let browser: Chromium | undefined;
afterEach(async () => {
  await browser?.close();
  await board?.close();
  await workers?.close();
});

/** The text of an element as a person reads it, whitespace folded. */
const folded = (text: string) => text.replace(/\s+/g, ' ');

describe('the board in headless Chromium', () => {
  it('shows a distributed group as a flow of branches named by task id, and a branch result decoded', async () => {
    // A colon-free prefix: Bull Board's flow tree comes from BullMQ's getFlow, which splits keys on ':'.
    workers = await startWorkers(colonFreePrefix('board-ui'));
    const { runId } = await workers.run('board-ui', () => crunchGroup(4));
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: workers.prefix, port: 0 });
    browser = await launchChromium();
    const page = await browser.context.newPage();

    // `/` takes a person to the board.
    await page.goto(`${new URL(board.url).origin}/`);
    expect(page.url()).toBe(board.url);

    // The queue list, then the tasks queue's completed jobs.
    await page.getByRole('link', { name: 'tasks', exact: true }).first().click();
    await page.getByRole('link', { name: /^completed/i }).click();
    const groupHeading = page.getByRole('heading', { name: 'group crunch-all', exact: true });
    await groupHeading.waitFor();
    for (const n of [0, 1, 2, 3]) await page.getByRole('heading', { name: `crunch-${n}`, exact: true }).waitFor();

    // The group's own page draws the flow: the group and its four branches, named by task id.
    await groupHeading.locator('xpath=ancestor::div[contains(@class, "card-")][1]').locator('a[href*="/queue/tasks/"]').click();
    const flowNode = (name: string) => page.getByRole('group', { name: new RegExp(`^${name}, completed, queue tasks, id ${runId}-`) });
    await flowNode('group crunch-all').waitFor();
    for (const n of [0, 1, 2, 3]) await flowNode(`crunch-${n}`).waitFor();
    const flowShot = artifactPath('board-group-flow.png');
    await page.screenshot({ path: flowShot, fullPage: true });
    process.stdout.write(`board screenshot (group flow): ${flowShot}\n`);

    // Open a branch from the flow and read its decoded result.
    await flowNode('crunch-2').click();
    await page.getByRole('link', { name: 'Open this job' }).click();
    // The branch's own page (its job id ends in its index); the name then heads the job card, the
    // flow node and the side panel alike, so the first heading is the card's.
    await page.waitForURL((url) => url.pathname.endsWith('-b2'));
    await page.getByRole('heading', { name: 'crunch-2', exact: true }).first().waitFor();
    const dataPanel = page.getByRole('tabpanel').first();
    await dataPanel.getByText('run results').waitFor();
    const shown = folded(await dataPanel.innerText());
    expect(shown).toMatch(/node: ?"crunch-2"/);
    expect(shown).toMatch(/result: ?\{/);
    expect(shown).toMatch(/square: ?4\b/);
    expect(shown).toContain('"2024-01-03T00:00:00.000Z"');
    expect(shown).toContain('"18446744073709551618n"');
    expect(shown).toMatch(/from: ?"run results"/);
    // Fold the job's data, as a person would, so the decoded result fits the box in the screenshot.
    await dataPanel.locator('span', { hasText: /^jobData:$/ }).locator('xpath=preceding-sibling::span[@role="button"][1]').click();
    await dataPanel.getByText('maxPayloadBytes:').waitFor({ state: 'hidden' });
    const branchShot = artifactPath('board-branch-result.png');
    await page.screenshot({ path: branchShot, fullPage: true });
    process.stdout.write(`board screenshot (branch result): ${branchShot}\n`);
    const offLoopback = [...new Set(browser.blocked.map((url) => new URL(url).host))];
    process.stdout.write(`requests the page tried off loopback, aborted in the browser: ${offLoopback.join(', ') || 'none'}\n`);

  });
});
