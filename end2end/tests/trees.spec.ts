import { expect, test, type Page } from '@playwright/test';

const PASSWORD = 'tidy-impact-tree-42';

async function signUp(page: Page) {
  const email = `trees-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto('/signup');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Tree Person');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('dashboard')).toBeVisible();
}

/** Signs up, creates a tree `name` with a root and three children (through the API), and
 * opens it hydrated. */
async function openTreeOfFour(page: Page, baseURL: string, name: string) {
  await signUp(page);
  await page.getByLabel('New tree').fill(name);
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  const treeId = Number(page.url().split('/').pop());
  const headers = { Origin: baseURL };
  const root = await page.request.post('/api/add_node', {
    headers,
    data: { tree_id: treeId, parent_id: null, node: { node_type: 'objective', title: 'Root' } },
  });
  const rootId: string = (await root.json()).id;
  for (const title of ['One', 'Two', 'Three']) {
    await page.request.post('/api/add_node', {
      headers,
      data: { tree_id: treeId, parent_id: rootId, node: { node_type: 'outcome', title } },
    });
  }
  await page.goto(`/trees/${treeId}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  return { treeId, rootId };
}

test('create a tree from the dashboard and see its nodes drawn, also without JavaScript', async ({ page, browser, baseURL }) => {
  await signUp(page);
  await page.getByLabel('New tree').fill('Grow weekly retention');
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  await expect(page.getByTestId('tree-name')).toHaveText('Grow weekly retention');
  await expect(page.getByTestId('empty-tree')).toBeVisible();
  const treeId = Number(page.url().split('/').pop());

  // Nodes through the API, as the editor will add them.
  const headers = { Origin: baseURL! };
  const add = async (parent: string | null, type: string, title: string) => {
    const response = await page.request.post('/api/add_node', {
      headers,
      data: { tree_id: treeId, parent_id: parent, node: { node_type: type, title } },
    });
    expect(response.status()).toBe(200);
    return (await response.json()).id as string;
  };
  const root = await add(null, 'objective', 'Grow weekly retention');
  const outcome = await add(root, 'outcome', 'Weekly actives +10%');
  await add(outcome, 'opportunity', 'New users get lost in setup');
  await add(root, 'metric', 'WAU');

  await page.reload();
  await expect(page.getByTestId('tree-node')).toHaveCount(4);
  await expect(page.getByRole('treeitem', { name: /New users get lost in setup/ })).toBeVisible();

  // The tree appears on the dashboard with its node count.
  await page.goto('/');
  await expect(page.getByTestId('tree-list')).toContainText('Grow weekly retention');
  await expect(page.getByTestId('tree-list')).toContainText('4 nodes');

  // Readable with JavaScript off: the server drew it.
  const cookies = await page.context().cookies();
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  await noScript.addCookies(cookies);
  const plain = await noScript.newPage();
  await plain.goto(`/trees/${treeId}`);
  await expect(plain.getByTestId('tree-node')).toHaveCount(4);
  await expect(plain.getByText('Weekly actives +10%')).toBeVisible();
  await noScript.close();
});

test(`zoom, pan and orientation survive a reload`, async ({ page, baseURL }) => {
  await openTreeOfFour(page, baseURL!, 'Viewport');
  await expect(page.getByTestId('zoom-level')).toHaveText('100%');

  // Wheel zoom around the pointer, then a drag of the background.
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + 300, box.y + 200);
  let saved = page.waitForResponse((r) => r.url().endsWith('/api/save_canvas_state') && r.status() === 200);
  await page.mouse.wheel(0, 300);
  await saved;
  const zoomed = await page.getByTestId('zoom-level').textContent();
  expect(Number(zoomed!.replace('%', ''))).toBeLessThan(100);

  saved = page.waitForResponse((r) => r.url().endsWith('/api/save_canvas_state') && r.status() === 200);
  await page.mouse.move(box.x + 600, box.y + 300);
  await page.mouse.down();
  await page.mouse.move(box.x + 650, box.y + 360, { steps: 5 });
  await page.mouse.up();
  await saved;
  const transform = await page.getByTestId('canvas-content').getAttribute('style');

  saved = page.waitForResponse((r) => r.url().endsWith('/api/save_canvas_state') && r.status() === 200);
  await page.getByTestId('toggle-orientation').click();
  await saved;
  await expect(canvas).toHaveAttribute('data-orientation', 'horizontal');
  const afterToggle = await page.getByTestId('canvas-content').getAttribute('style');
  expect(afterToggle).not.toEqual(transform);

  await page.reload();
  await expect(canvas).toHaveAttribute('data-orientation', 'horizontal');
  // The same transform, however the browser spells the style attribute.
  const numbers = (style: string | null) => (style ?? '').match(/-?\d+(\.\d+)?/g);
  expect(numbers(await page.getByTestId('canvas-content').getAttribute('style'))).toEqual(numbers(afterToggle));
  await expect(page.getByTestId('tree-node')).toHaveCount(4);
});

test(`a view that could not be saved says so, and the next view saved takes that back`, async ({ page, baseURL }) => {
  const { treeId } = await openTreeOfFour(page, baseURL!, 'Unsaved view');
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + 300, box.y + 200);
  const notice = page.getByTestId('notice');

  // The request never reaches the server.
  await page.route('**/api/save_canvas_state', (route) => route.abort('internetdisconnected'));
  await page.mouse.wheel(0, 300);
  await expect(notice).toContainText('zoom and position were not saved');
  await expect(notice).toContainText('could not reach the server');
  await page.unroute('**/api/save_canvas_state');

  // The next view saved: the notice goes.
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/save_canvas_state') && r.status() === 200);
  await page.mouse.wheel(0, -300);
  await saved;
  await expect(notice).toHaveCount(0);

  // The server refuses it: the tree was deleted in another tab.
  const gone = await page.request.post('/api/delete_tree', {
    headers: { Origin: baseURL! },
    form: { tree_id: String(treeId) },
  });
  expect(gone.status(), await gone.text()).toBe(200);
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/save_canvas_state') && r.status() === 404);
  await page.mouse.wheel(0, 300);
  await refused;
  await expect(notice).toContainText('zoom and position were not saved (this tree no longer exists)');

  // Dismissed, it goes.
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
});

test(`zoomed far out the tree is painted as an overview; a click there selects a node, a double click zooms to it`, async ({ page, baseURL }) => {
  const { rootId } = await openTreeOfFour(page, baseURL!, 'Far away');
  await expect(page.getByTestId('overview')).toHaveCount(0);

  // Where the root sits in layout coordinates, from its element and the canvas transform.
  const transformOf = async () => {
    const style = (await page.getByTestId('canvas-content').getAttribute('style')) ?? '';
    const m = style.match(/translate\(([-0-9.e]+)px, ?([-0-9.e]+)px\) scale\(([-0-9.e]+)\)/);
    expect(m, style).not.toBeNull();
    return { x: Number(m![1]), y: Number(m![2]), zoom: Number(m![3]) };
  };
  const canvas = page.getByTestId('canvas');
  // The canvas's padding box: where the transformed content starts.
  const origin = await canvas.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left + el.clientLeft, y: r.top + el.clientTop };
  });
  const rootBox = (await page.locator(`[data-node-id="${rootId}"]`).boundingBox())!;
  const before = await transformOf();
  const rootCentre = {
    x: (rootBox.x + rootBox.width / 2 - origin.x - before.x) / before.zoom,
    y: (rootBox.y + rootBox.height / 2 - origin.y - before.y) / before.zoom,
  };

  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/save_canvas_state') && r.status() === 200);
  for (let i = 0; i < 3; i++) await page.mouse.wheel(0, 1000);
  await saved;
  const overview = page.getByTestId('overview');
  await expect(overview).toBeVisible();
  await expect(page.getByTestId('tree-node')).toHaveCount(0);
  await expect(overview).toHaveAttribute('data-drawn-nodes', '4');
  expect(await page.getByTestId('zoom-level').textContent()).toMatch(/^[0-9.]+%$/);

  // The node painted under the pointer is selected by a click, and shown in the panel.
  const far = await transformOf();
  expect(far.zoom).toBeLessThan(0.3);
  await page.mouse.click(origin.x + far.x + rootCentre.x * far.zoom, origin.y + far.y + rootCentre.y * far.zoom);
  await expect(canvas).toHaveAttribute('aria-activedescendant', `node-${rootId}`);
  await expect(page.getByTestId('node-title')).toHaveValue('Root');

  // A double click there zooms to 100 % on that node: the node elements are back.
  await page.mouse.dblclick(origin.x + far.x + rootCentre.x * far.zoom, origin.y + far.y + rootCentre.y * far.zoom);
  await expect(overview).toHaveCount(0);
  await expect(page.getByTestId('zoom-level')).toHaveText('100%');
  await expect(page.getByTestId('tree-node')).toHaveCount(4);
  const rootNode = page.locator(`[data-node-id="${rootId}"]`);
  await expect(rootNode).toHaveAttribute('aria-selected', 'true');
  await expect(rootNode).toBeInViewport();
});

test('the editor: arrow keys and clicks select, keys zoom and fit', async ({ page, baseURL }) => {
  await openTreeOfFour(page, baseURL!, 'Plain keys');
  const canvas = page.getByTestId('canvas');
  const selected = page.locator('[data-testid="tree-node"][aria-selected="true"] .node-title');
  await canvas.focus();
  await page.keyboard.press('ArrowDown');
  await expect(selected).toHaveText('Root');
  await page.keyboard.press('ArrowDown');
  await expect(selected).toHaveText('One');
  await page.keyboard.press('ArrowRight');
  await expect(selected).toHaveText('Two');
  await expect(page.locator('[aria-selected="true"]')).toHaveAttribute('aria-level', '2');
  await page.keyboard.press('Escape');
  await expect(selected).toHaveCount(0);
  await expect(canvas).not.toHaveAttribute('aria-activedescendant', /.*/);

  // A click on a box selects it; only one box is selected at a time.
  await page.getByRole('treeitem', { name: /Three/ }).click();
  await expect(selected).toHaveText('Three');
  await expect(canvas).toHaveAttribute('aria-activedescendant', /^node-/);

  // + and - zoom by steps, 0 fits (never past 100 %); the buttons do the same.
  await canvas.focus();
  await page.keyboard.press('+');
  await expect(page.getByTestId('zoom-level')).toHaveText('125%');
  await page.keyboard.press('-');
  await page.keyboard.press('-');
  await expect(page.getByTestId('zoom-level')).toHaveText('80%');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect(page.getByTestId('zoom-level')).toHaveText('100%');
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await expect(page.getByTestId('zoom-level')).toHaveText('80%');
  await canvas.focus();
  await page.keyboard.press('0');
  await expect(page.getByTestId('zoom-level')).not.toHaveText('80%');
  expect(Number((await page.getByTestId('zoom-level').textContent())!.replace('%', ''))).toBeLessThanOrEqual(100);
  // The selection survives the redraws.
  await expect(selected).toHaveText('Three');
  await expect(page.getByRole('treeitem', { name: /Root/ })).toBeInViewport();
});

test('import an outline, see the overview charts, and delete a tree after confirming', async ({ page }) => {
  await signUp(page);
  await page.getByText('Import a Markdown outline').click();
  await page.getByLabel(/Outline/).fill(
    '# Imported plan\n\n- **Objective:** Grow\n  - **Outcome:** Retain more\n    - **Opportunity:** Setup is long\n  - **Metric:** D30\n',
  );
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  await expect(page.getByTestId('tree-name')).toHaveText('Imported plan');
  await expect(page.getByTestId('tree-node')).toHaveCount(4);

  await page.goto('/');
  await expect(page.getByTestId('analytics')).toContainText('1 trees · 4 nodes');
  await expect(page.getByRole('img', { name: 'Nodes by type' })).toBeVisible();
  await expect(page.getByTestId('recent-activity')).toContainText('Imported tree: Imported plan');

  // A bad outline names the line and writes nothing. The import form is the dashboard's one
  // island: hydrated, it answers in place and keeps the text as typed.
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByText('Import a Markdown outline').click();
  await page.getByLabel(/Outline/).fill('# Broken\n- **Objective:** A\n  - **Wish:** B\n');
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByTestId('import-problems')).toContainText('nodes[1].type');
  await expect(page.getByLabel(/Outline/)).toHaveValue(/Wish/);

  await page.getByText('Delete…').click();
  await page.getByTestId('confirm-delete').click();
  await expect(page.getByTestId('no-trees')).toBeVisible();
});
