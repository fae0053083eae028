import { expect, test, type Locator, type Page } from '@playwright/test';

// The tree editor as a product manager uses it: mouse and keyboard, one flow per test.

const PASSWORD = 'tidy-impact-tree-42';

async function signUp(page: Page) {
  const email = `editor-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto('/signup');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Editor Person');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('dashboard')).toBeVisible();
}

async function newTree(page: Page, name: string): Promise<number> {
  await page.getByLabel('New tree').fill(name);
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  return Number(page.url().split('/').pop());
}

/// Adds a node through the API (for setting the scene quickly); returns its id.
async function add(page: Page, tree: number, parent: string | null, type: string, title: string, data = {}) {
  const response = await page.request.post('/api/add_node', {
    headers: { Origin: new URL(page.url()).origin },
    data: { tree_id: tree, parent_id: parent, node: { node_type: type, title, template_data: data } },
  });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).id as string;
}

async function openTree(page: Page, tree: number) {
  await page.goto(`/trees/${tree}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

function node(page: Page, title: string): Locator {
  return page.getByTestId('tree-node').filter({ has: page.locator('.node-title', { hasText: new RegExp(`^${title}$`) }) });
}

async function titles(page: Page): Promise<string[]> {
  return page.locator('[data-testid="tree-node"] .node-title').allTextContents();
}

/// The sibling order of the children of `parent`, read from the server.
async function childTitles(page: Page, tree: number, parentTitle: string | null): Promise<string[]> {
  const response = await page.request.post('/api/get_tree', {
    headers: { Origin: new URL(page.url()).origin },
    form: { tree_id: String(tree) },
  });
  const detail = await response.json();
  const parent = detail.nodes.find((n: any) => n.title === parentTitle);
  return detail.nodes
    .filter((n: any) => (parentTitle === null ? n.parent_id === null : n.parent_id === parent?.id))
    .sort((a: any, b: any) => a.sort_order - b.sort_order)
    .map((n: any) => n.title);
}

/// A node just added is selected with its title ready for typing.
async function newNodeReady(page: Page) {
  await expect(page.locator('[aria-selected="true"] .node-title')).toHaveText(/^New /);
  await expect(page.getByTestId('node-title')).toBeFocused();
}

async function waitIdle(page: Page) {
  // Every change is one server call; the editor marks itself busy while any is running.
  await expect(page.getByTestId('canvas')).toHaveAttribute('aria-busy', 'false');
}

test(`add nodes of several types with the buttons and with the keyboard`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Keyboard first');
  await openTree(page, tree);
  await expect(page.getByTestId('empty-tree')).toBeVisible();

  // The first node by button; its title is ready for typing.
  await page.getByRole('button', { name: 'Add the objective' }).click();
  const title = page.getByTestId('node-title');
  await expect(title).toBeFocused();
  await title.fill('Grow retention');
  await title.press('Enter');
  await expect(node(page, 'Grow retention')).toBeVisible();
  await expect(page.getByTestId('canvas')).toBeFocused();

  // Tab adds a child (an outcome under an objective), Enter a sibling.
  await page.keyboard.press('Tab');
  await newNodeReady(page);
  await title.fill('Activation up');
  await title.press('Enter');
  await page.keyboard.press('Enter');
  await newNodeReady(page);
  await title.fill('Churn down');
  await title.press('Enter');
  await page.keyboard.press('Tab');
  await newNodeReady(page);
  await title.fill('Setup is confusing');
  await title.press('Enter');
  await waitIdle(page);
  await expect(node(page, 'Activation up')).toContainText('Outcome');
  await expect(node(page, 'Setup is confusing')).toContainText('Opportunity');

  // The "+ Child" button, then a type change in the panel: a metric under the opportunity.
  await page.getByTestId('add-child').click();
  await newNodeReady(page);
  await page.getByTestId('node-type').selectOption('metric');
  await title.fill('Setup completion');
  await page.getByTestId('field-current').fill('40');
  await page.getByTestId('field-target').fill('70');
  await page.getByTestId('field-unit').fill('%');
  await page.getByTestId('save-node').click();
  await waitIdle(page);
  await expect(node(page, 'Setup completion')).toContainText('Metric');
  await expect(node(page, 'Setup completion')).toContainText('40% → 70%');

  // A metric takes no children: said, not done.
  await page.getByTestId('add-child').click();
  await expect(page.getByTestId('notice')).toContainText('cannot have children');

  await page.reload();
  await expect(page.getByTestId('tree-node')).toHaveCount(5);
  expect(await childTitles(page, tree, 'Grow retention')).toEqual(['Activation up', 'Churn down']);
  expect(await childTitles(page, tree, 'Churn down')).toEqual(['Setup is confusing']);
});

test(`arrow keys move the selection through the tree`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Arrows');
  const root = await add(page, tree, null, 'objective', 'Root');
  const a = await add(page, tree, root, 'outcome', 'A');
  await add(page, tree, root, 'outcome', 'B');
  await add(page, tree, a, 'opportunity', 'A1');
  await openTree(page, tree);

  const canvas = page.getByTestId('canvas');
  await canvas.focus();
  const selected = page.locator('[data-testid="tree-node"][aria-selected="true"] .node-title');
  await page.keyboard.press('ArrowDown');
  await expect(selected).toHaveText('Root');
  await page.keyboard.press('ArrowDown');
  await expect(selected).toHaveText('A');
  await page.keyboard.press('ArrowRight');
  await expect(selected).toHaveText('B');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowDown');
  await expect(selected).toHaveText('A1');
  await page.keyboard.press('ArrowUp');
  await expect(selected).toHaveText('A');
  await expect(canvas).toHaveAttribute('aria-activedescendant', /^node-/);
  await expect(page.locator('[aria-selected="true"]')).toHaveAttribute('aria-level', '2');

  // In a horizontal tree the arrows turn with it.
  await page.getByTestId('toggle-orientation').click();
  await canvas.focus();
  await page.keyboard.press('ArrowDown');
  await expect(selected).toHaveText('B');
  await page.keyboard.press('ArrowLeft');
  await expect(selected).toHaveText('Root');

  // Alt+arrows move the selected node without a mouse: B before A, then back.
  await page.getByTestId('toggle-orientation').click();
  await node(page, 'B').click();
  await page.keyboard.press('Alt+ArrowLeft');
  await waitIdle(page);
  expect(await childTitles(page, tree, 'Root')).toEqual(['B', 'A']);
  await page.keyboard.press('Alt+ArrowRight');
  await waitIdle(page);
  expect(await childTitles(page, tree, 'Root')).toEqual(['A', 'B']);
  // An outcome cannot go in under another outcome: said, not done.
  await page.keyboard.press('Alt+ArrowDown');
  await expect(page.getByTestId('notice')).toContainText('Cannot move it there');

  // The help overlay lists the keys.
  await page.keyboard.press('?');
  await expect(page.getByTestId('key-help')).toContainText('Add a child');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('key-help')).toBeHidden();

  // A double click on a box opens its title for editing.
  await node(page, 'A').dblclick();
  await expect(page.getByTestId('node-title')).toBeFocused();
  await expect(page.getByTestId('node-title')).toHaveValue('A');
});

test(`edit every field, with a validation error beside its field`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Fields');
  const root = await add(page, tree, null, 'objective', 'Root');
  const outcome = await add(page, tree, root, 'outcome', 'Outcome');
  const opportunity = await add(page, tree, outcome, 'opportunity', 'Opportunity');
  await add(page, tree, opportunity, 'solution', 'Guided setup');
  await openTree(page, tree);

  await node(page, 'Guided setup').click();
  await expect(page.getByTestId('node-form')).toBeVisible();
  await page.getByTestId('node-title').fill('Guided setup wizard');
  await page.getByTestId('node-description').fill('Three steps, <b>skippable</b> & quick');
  await page.getByTestId('field-status').selectOption('in_progress');
  await page.getByTestId('save-node').click();
  await waitIdle(page);
  await expect(node(page, 'Guided setup wizard')).toContainText('in progress');
  // The saved node's form still offers its types.
  await expect(page.getByTestId('node-type')).toHaveValue('solution');
  await expect(page.getByTestId('node-type').locator('option:not([hidden])')).not.toHaveCount(0);

  // A number that is not one: the form says so beside the field and sends nothing.
  await node(page, 'Root').click();
  await page.getByTestId('add-child').click();
  await newNodeReady(page);
  await page.getByTestId('node-type').selectOption('metric');
  await page.getByTestId('node-title').fill('Weekly actives');
  await page.getByTestId('field-target').fill('lots');
  await page.getByTestId('save-node').click();
  await expect(page.locator('.field-error')).toHaveText('must be a number');

  // An empty title goes to the server, which refuses it; the error shows beside the title.
  await page.getByTestId('field-target').fill('1200');
  await page.getByTestId('node-title').fill('   ');
  await page.getByTestId('save-node').click();
  await expect(page.locator('.field-error')).toContainText(/title|empty|required/i);
  await expect(page.getByTestId('node-title')).toHaveValue('   ');

  await page.getByTestId('node-title').fill('Weekly actives');
  await page.getByTestId('save-node').click();
  await waitIdle(page);
  await expect(node(page, 'Weekly actives')).toContainText('target 1200');
  await expect(page.locator('.field-error')).toHaveCount(0);

  // Saved for real, text exactly as typed.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await node(page, 'Guided setup wizard').click();
  await expect(page.getByTestId('node-description')).toHaveValue('Three steps, <b>skippable</b> & quick');
  await expect(page.getByTestId('field-status')).toHaveValue('in_progress');
});

async function dragTo(page: Page, from: Locator, to: Locator, where: 'onto' | 'before' | 'after') {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  const x = where === 'before' ? b.x + b.width * 0.1 : where === 'after' ? b.x + b.width * 0.9 : b.x + b.width / 2;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(x, b.y + b.height / 2, { steps: 8 });
}

test(`drag a node to re-parent it, between siblings to reorder, and see a refused drop`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Dragging');
  const root = await add(page, tree, null, 'objective', 'Root');
  const a = await add(page, tree, root, 'outcome', 'A');
  await add(page, tree, root, 'outcome', 'B');
  await add(page, tree, a, 'opportunity', 'X');
  // A screen big enough that the boxes the server drew stay (the view does not leave their
  // region): the first drag finds its target all the same.
  await page.setViewportSize({ width: 1920, height: 1200 });
  await openTree(page, tree);

  // X onto B: re-parented.
  await dragTo(page, node(page, 'X'), node(page, 'B'), 'onto');
  await expect(node(page, 'B')).toHaveClass(/drop-onto/);
  await page.mouse.up();
  await waitIdle(page);
  expect(await childTitles(page, tree, 'B')).toEqual(['X']);
  expect(await childTitles(page, tree, 'A')).toEqual([]);

  // B before A: reordered.
  await dragTo(page, node(page, 'B'), node(page, 'A'), 'before');
  await expect(node(page, 'A')).toHaveClass(/drop-before/);
  await page.mouse.up();
  await waitIdle(page);
  expect(await childTitles(page, tree, 'Root')).toEqual(['B', 'A']);

  // An outcome cannot go under an opportunity, nor a node under its own descendant.
  await dragTo(page, node(page, 'A'), node(page, 'X'), 'onto');
  await expect(node(page, 'X')).toHaveClass(/drop-refused/);
  await page.mouse.up();
  await expect(page.getByTestId('notice')).toContainText('Cannot drop there');
  await dragTo(page, node(page, 'B'), node(page, 'X'), 'onto');
  await expect(node(page, 'X')).toHaveClass(/drop-refused/);
  await page.mouse.up();
  await waitIdle(page);
  expect(await childTitles(page, tree, 'Root')).toEqual(['B', 'A']);
  expect(await childTitles(page, tree, 'B')).toEqual(['X']);

  // Undo puts the order back.
  await page.getByTestId('undo').click();
  await waitIdle(page);
  expect(await childTitles(page, tree, 'Root')).toEqual(['A', 'B']);
});

test(`collapse and expand re-lay out the tree`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Collapse');
  const root = await add(page, tree, null, 'objective', 'Root');
  const a = await add(page, tree, root, 'outcome', 'A');
  await add(page, tree, a, 'opportunity', 'A1');
  await add(page, tree, a, 'opportunity', 'A2');
  await add(page, tree, root, 'outcome', 'B');
  await openTree(page, tree);
  await expect(page.getByTestId('tree-node')).toHaveCount(5);
  const bBefore = (await node(page, 'B').boundingBox())!;

  await node(page, 'A').getByTestId('toggle-collapse').click();
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(3);
  await expect(node(page, 'A')).toContainText('+2 hidden');
  await expect(node(page, 'A')).toHaveAttribute('aria-expanded', 'false');
  // B moves closer once A's children are folded away.
  const bAfter = (await node(page, 'B').boundingBox())!;
  expect(bAfter.x).toBeLessThan(bBefore.x);

  // Space expands the selected node again; it stays expanded after a reload.
  await node(page, 'A').click();
  await page.keyboard.press('Space');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(5);
  await page.reload();
  await expect(page.getByTestId('tree-node')).toHaveCount(5);
  await expect(node(page, 'A')).toHaveAttribute('aria-expanded', 'true');
});

test(`undo and redo every kind of edit, persisted`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Undo');
  const root = await add(page, tree, null, 'objective', 'Root');
  await add(page, tree, root, 'outcome', 'Kept');
  await openTree(page, tree);

  await node(page, 'Root').click();
  await page.keyboard.press('Tab');
  const title = page.getByTestId('node-title');
  await newNodeReady(page);
  await title.fill('Temporary');
  await title.press('Enter');
  await waitIdle(page);
  await expect(node(page, 'Temporary')).toBeVisible();

  // Undo the title, then the add.
  await page.keyboard.press('Control+z');
  await waitIdle(page);
  await expect(node(page, 'New outcome')).toBeVisible();
  await page.keyboard.press('Control+z');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(2);

  // Redo both.
  await page.keyboard.press('Control+Shift+z');
  await waitIdle(page);
  await page.keyboard.press('Control+Shift+z');
  await waitIdle(page);
  await expect(node(page, 'Temporary')).toBeVisible();

  // Delete and undo it; collapse and undo it.
  await node(page, 'Kept').click();
  await page.keyboard.press('Delete');
  await waitIdle(page);
  await expect(node(page, 'Kept')).toHaveCount(0);
  await page.getByTestId('undo').click();
  await waitIdle(page);
  await expect(node(page, 'Kept')).toBeVisible();
  await node(page, 'Root').click();
  await page.keyboard.press('Space');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(1);
  await page.getByTestId('undo').click();
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(3);

  await page.reload();
  expect((await titles(page)).sort()).toEqual(['Kept', 'Root', 'Temporary']);
  expect(await childTitles(page, tree, 'Root')).toEqual(['Kept', 'Temporary']);
});

test(`delete a node, and a large subtree only after confirming`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Deleting');
  const root = await add(page, tree, null, 'objective', 'Root');
  const big = await add(page, tree, root, 'outcome', 'Big');
  for (const t of ['O1', 'O2', 'O3', 'O4', 'O5']) await add(page, tree, big, 'opportunity', t);
  await add(page, tree, root, 'outcome', 'Small');
  await openTree(page, tree);
  // Wider than the canvas at 100%: fit it first, as a person would.
  await page.getByRole('button', { name: 'Fit' }).click();
  await expect(page.getByTestId('tree-node')).toHaveCount(8);

  await node(page, 'Small').click();
  await page.getByTestId('delete-node').click();
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(7);

  await node(page, 'Big').click();
  await page.keyboard.press('Delete');
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('6 nodes');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('tree-node')).toHaveCount(7);
  await node(page, 'Big').click();
  await page.keyboard.press('Delete');
  await page.getByTestId('confirm-delete-node').click();
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId('tree-node')).toHaveCount(1);
});

test('the editor: adds drawn at once with keys and buttons, undone and redone, refused and lost answers', async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Plain adds');
  await openTree(page, tree);

  // The empty tree's button makes the objective, selected.
  await expect(page.getByTestId('empty-tree')).toBeVisible();
  await page.getByRole('button', { name: 'Add the objective' }).click();
  await waitIdle(page);
  await expect(page.getByTestId('empty-tree')).toHaveCount(0);
  const selected = page.locator('[data-testid="tree-node"][aria-selected="true"] .node-title');
  await expect(selected).toHaveText('New objective');

  // Tab adds a child of the selection, Enter a sibling of it; the buttons do the same. Each
  // new node's title is ready for typing; Enter there saves it and gives the canvas the keys.
  await page.getByTestId('canvas').focus();
  await page.keyboard.press('Tab');
  await expect(selected).toHaveText('New outcome');
  await expect(page.getByTestId('node-title')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('canvas')).toBeFocused();
  await page.keyboard.press('Enter');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(3);
  await page.getByTestId('add-child').click();
  await waitIdle(page);
  await expect(selected).toHaveText('New opportunity');
  await page.getByTestId('add-sibling').click();
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(5);
  expect(await childTitles(page, tree, 'New objective')).toEqual(['New outcome', 'New outcome']);
  await expect(page.getByTestId('tree-name').locator('..')).toContainText('5 nodes');

  // Undo takes the adds back one at a time, redo brings them back; both kept on reload.
  await page.getByTestId('undo').click();
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(4);
  await page.getByTestId('canvas').focus();
  await page.keyboard.press('Control+z');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(3);
  await expect(page.getByTestId('redo')).toBeEnabled();
  await page.keyboard.press('Control+Shift+z');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(4);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('tree-node')).toHaveCount(4);
  await expect(page.getByTestId('undo')).toBeDisabled();

  // The request never reaches the server: the node is taken away and the notice says why.
  await page.route('**/api/add_node', (route) => route.abort('internetdisconnected'));
  await node(page, 'New objective').click();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('notice')).toContainText('could not reach the server');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(4);
  await expect(selected).toHaveText('New objective');
  await page.unroute('**/api/add_node');

  // The server makes it, but its answer is lost: the node stays, as if the answer had come.
  await page.route('**/api/add_node', async (route) => {
    await route.fetch();
    await route.abort('connectionreset');
  });
  await page.getByTestId('notice').getByRole('button', { name: 'Dismiss' }).click();
  await node(page, 'New objective').click();
  await page.keyboard.press('Tab');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(5);
  await expect(page.getByTestId('notice')).toHaveCount(0);
  expect(await childTitles(page, tree, 'New objective')).toEqual(['New outcome', 'New outcome', 'New outcome']);
  await page.unroute('**/api/add_node');
});

test(`search highlights matches, cycles with Enter and opens collapsed ancestors; the key list`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Search');
  const root = await add(page, tree, null, 'objective', 'Retention');
  const a = await add(page, tree, root, 'outcome', 'Onboarding');
  await add(page, tree, a, 'opportunity', 'Churn in week one');
  const b = await add(page, tree, root, 'outcome', 'Engagement');
  await add(page, tree, b, 'opportunity', 'Churn after trial');
  await openTree(page, tree);
  await node(page, 'Onboarding').getByTestId('toggle-collapse').click();
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(4);

  await page.getByTestId('canvas').focus();
  await page.keyboard.press('Control+f');
  const search = page.getByTestId('search-input');
  await expect(search).toBeFocused();
  await search.fill('churn');
  await expect(page.getByTestId('search-count')).toHaveText('2 found');
  await search.press('Enter');
  await waitIdle(page);
  await expect(page.getByTestId('search-count')).toHaveText('1 of 2');
  await expect(node(page, 'Churn in week one')).toHaveClass(/current-match/);
  await expect(page.getByTestId('tree-node')).toHaveCount(5);
  await search.press('Enter');
  await expect(page.getByTestId('search-count')).toHaveText('2 of 2');
  await expect(node(page, 'Churn after trial')).toHaveClass(/current-match/);
  await expect(node(page, 'Churn in week one')).toHaveClass(/ match/);

  // Escape closes the search and takes the marks away; the canvas has the keys again.
  await search.press('Escape');
  await expect(search).toBeHidden();
  await expect(page.locator('.node.match')).toHaveCount(0);
  await expect(page.getByTestId('canvas')).toBeFocused();

  // ? lists the keys; Escape closes the list.
  await page.keyboard.press('?');
  await expect(page.getByTestId('key-help')).toBeVisible();
  await expect(page.getByTestId('key-help')).toContainText('Add a child');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('key-help')).toBeHidden();
  // And so does the header's button.
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await expect(page.getByTestId('key-help')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('key-help')).toBeHidden();
});

test(`a conflict between two pages: a clear message, the fresh tree, and the typed text kept`, async ({ browser, page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Conflict');
  const root = await add(page, tree, null, 'objective', 'Shared goal');
  await add(page, tree, root, 'outcome', 'Other node');
  await openTree(page, tree);
  const other = await page.context().newPage();
  await openTree(other, tree);

  // The first page renames the node...
  await node(page, 'Shared goal').click();
  await page.getByTestId('node-title').fill('Renamed in tab one');
  await page.getByTestId('save-node').click();
  await waitIdle(page);

  // ...the second, still on the old version, tries too.
  await node(other, 'Shared goal').click();
  await other.getByTestId('node-title').fill('My words from tab two');
  await other.getByTestId('save-node').click();
  await expect(other.getByTestId('notice')).toContainText('changed in another tab');
  await expect(node(other, 'Renamed in tab one')).toBeVisible();
  await expect(other.getByTestId('node-title')).toHaveValue('My words from tab two');

  // Saving again now applies on top of the fresh version.
  await other.getByTestId('save-node').click();
  await waitIdle(other);
  await expect(node(other, 'My words from tab two')).toBeVisible();
  await page.reload();
  await expect(node(page, 'My words from tab two')).toBeVisible();
  await other.close();
});

test(`a node is drawn before the server answers, and taken back when the server refuses it`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Drawn at once');
  const root = await add(page, tree, null, 'objective', 'Goal');
  const doomed = await add(page, tree, root, 'outcome', 'Deleted elsewhere');
  await openTree(page, tree);

  // Held answers: the new node is on the canvas, selected and ready for typing before then.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/add_node', async (route) => {
    await held;
    await route.continue();
  });
  await node(page, 'Goal').click();
  await page.keyboard.press('Tab');
  await newNodeReady(page);
  await page.getByTestId('node-title').fill('Typed while saving');
  await page.getByTestId('node-title').press('Enter');
  await expect(page.getByTestId('canvas')).toHaveAttribute('aria-busy', 'true');
  release();
  await waitIdle(page);
  await expect(node(page, 'Typed while saving')).toBeVisible();
  expect(await childTitles(page, tree, 'Goal')).toEqual(['Deleted elsewhere', 'Typed while saving']);
  await page.unroute('**/api/add_node');

  // Another tab deletes a node; a child added under it here is refused and disappears.
  const gone = await page.request.post('/api/delete_node', {
    headers: { Origin: new URL(page.url()).origin },
    data: { tree_id: tree, node_id: doomed, version: 1 },
  });
  expect(gone.status(), await gone.text()).toBe(200);
  await node(page, 'Deleted elsewhere').click();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('notice')).toContainText('changed in another tab');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(2);
  await expect(node(page, 'Goal')).toBeVisible();
  await expect(node(page, 'Typed while saving')).toBeVisible();
  expect(await childTitles(page, tree, 'Goal')).toEqual(['Typed while saving']);
});

test(`an add whose answer is lost keeps its node if the server made it, and only then`, async ({ page }) => {
  await signUp(page);
  const tree = await newTree(page, 'Lost answers');
  const goal = await add(page, tree, null, 'objective', 'Goal');
  await openTree(page, tree);

  // The server makes the node, but its answer never reaches the browser.
  await page.route('**/api/add_node', async (route) => {
    await route.fetch();
    await route.abort('connectionreset');
  });
  await node(page, 'Goal').click();
  await page.keyboard.press('Tab');
  await newNodeReady(page);
  await page.getByTestId('node-title').fill('Made though unheard');
  await page.getByTestId('node-title').press('Enter');
  await waitIdle(page);
  await expect(node(page, 'Made though unheard')).toBeVisible();
  await expect(page.getByTestId('notice')).toHaveCount(0);
  expect(await childTitles(page, tree, 'Goal')).toEqual(['Made though unheard']);
  await page.unroute('**/api/add_node');

  // Nothing else changed, so the editor took the node as if the answer had come and kept its
  // history: the title and then the add itself undo.
  await page.keyboard.press('Control+z');
  await waitIdle(page);
  await expect(node(page, 'New outcome')).toBeVisible();
  await page.keyboard.press('Control+z');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(1);
  expect(await childTitles(page, tree, 'Goal')).toEqual([]);

  // The request never reaches the server: the node is taken away and the notice says why.
  await page.route('**/api/add_node', (route) => route.abort('internetdisconnected'));
  await node(page, 'Goal').click();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('notice')).toContainText('could not reach the server');
  await waitIdle(page);
  await expect(page.getByTestId('tree-node')).toHaveCount(1);
  expect(await childTitles(page, tree, 'Goal')).toEqual([]);
  await page.unroute('**/api/add_node');
  await page.getByTestId('notice').getByRole('button', { name: 'Dismiss' }).click();

  // Made, but another tab added a node meanwhile: the editor takes the tree as the server has
  // it, both nodes included.
  await page.route('**/api/add_node', async (route) => {
    await add(page, tree, goal, 'outcome', 'From another tab');
    await route.fetch();
    await route.abort('connectionreset');
  });
  await node(page, 'Goal').click();
  await page.keyboard.press('Tab');
  await waitIdle(page);
  await expect(node(page, 'From another tab')).toBeVisible();
  await expect(node(page, 'New outcome')).toBeVisible();
  await expect(page.getByTestId('notice')).toHaveCount(0);
  expect(await childTitles(page, tree, 'Goal')).toEqual(['From another tab', 'New outcome']);
});

test(`tree details: rename, describe, phase and the activity feed; a stale save reloads`, async ({ page, context }) => {
  await signUp(page);
  const tree = await newTree(page, 'Details');
  await add(page, tree, null, 'objective', 'Root');
  await openTree(page, tree);
  const form = page.getByTestId('tree-form');
  await expect(form.getByLabel('Name')).toHaveValue('Details');
  await expect(page.getByTestId('tree-activity')).toContainText('Added objective: Root');
  await form.getByLabel('Name').fill('Details, renamed');
  await form.getByLabel('Description').fill('For the Q3 plan');
  await form.getByLabel('Discovery phase').selectOption('delivery');
  await form.getByRole('button', { name: 'Save tree' }).click();
  await expect(page.getByTestId('tree-name')).toHaveText('Details, renamed');
  await expect(form.getByText('Saved')).toBeVisible();
  await expect(page).toHaveTitle(/^Details, renamed/);
  await expect(page.getByTestId('tree-activity')).toContainText('Updated tree: Details, renamed');
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('tree-name')).toHaveText('Details, renamed');
  await expect(form.getByLabel('Description')).toHaveValue('For the Q3 plan');
  await expect(form.getByLabel('Discovery phase')).toHaveValue('delivery');

  // Renamed in another tab meanwhile: this tab's save is refused and the tree reloaded.
  const other = await context.newPage();
  await openTree(other, tree);
  const otherForm = other.getByTestId('tree-form');
  await otherForm.getByLabel('Name').fill('From the other tab');
  await otherForm.getByRole('button', { name: 'Save tree' }).click();
  await expect(other.getByTestId('tree-name')).toHaveText('From the other tab');
  await form.getByLabel('Name').fill('Stale');
  await form.getByRole('button', { name: 'Save tree' }).click();
  await expect(form.getByRole('alert')).toBeVisible();
  await expect(form.getByLabel('Name')).toHaveValue('From the other tab');
  await form.getByLabel('Name').fill('After the reload');
  await form.getByRole('button', { name: 'Save tree' }).click();
  await expect(page.getByTestId('tree-name')).toHaveText('After the reload');
});

test('create a tree from a starter, mark it as a template, and start another from it', async ({ page }) => {
  await signUp(page);
  await page.getByLabel('New tree').fill('Q3 bets');
  await page.getByTestId('start-from').selectOption({ label: 'Starter: impact tree' });
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  await expect(page.getByTestId('tree-name')).toHaveText('Q3 bets');
  await expect(page.getByTestId('tree-node').first()).toBeVisible();
  await expect(page.locator('.muted', { hasText: '8 nodes' })).toBeVisible();

  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const form = page.getByTestId('tree-form');
  await form.getByLabel('Use as a template').check();
  await form.getByRole('button', { name: 'Save tree' }).click();
  await expect(form.getByText('Saved')).toBeVisible();

  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('New tree').fill('Q4 bets');
  await page.getByTestId('start-from').selectOption({ label: 'Template: Q3 bets' });
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page.getByTestId('tree-name')).toHaveText('Q4 bets');
  await expect(page.locator('.muted', { hasText: '8 nodes' })).toBeVisible();
});
