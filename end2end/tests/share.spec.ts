import { expect, test } from '@playwright/test';

const PASSWORD = 'tidy-impact-tree-42';

test('share a tree: the link works logged out and without JavaScript, and stops once revoked', async ({ page, browser }) => {
  const email = `share-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto('/signup');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Sharer');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('New tree').fill('Shared bets');
  await page.getByTestId('start-from').selectOption({ label: 'Starter: impact tree' });
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  await page.getByTestId('open-share').click();
  await page.getByTestId('create-share-link').click();
  const link = page.getByTestId('share-url');
  await expect(link).toBeVisible();
  const path = await link.getAttribute('href');
  expect(path).toMatch(/^\/s\/[0-9a-f]{64}$/);
  await expect(page.getByTestId('share-links').locator('li')).toHaveCount(1);

  // A stranger's browser: no session, same tree.
  const stranger = await browser.newContext();
  const view = await stranger.newPage();
  // The page hydrates from what it was sent (its data block, titles read back from the boxes):
  // no second fetch of the tree.
  const refetches: string[] = [];
  const wasm: string[] = [];
  view.on('request', (r) => {
    if (r.url().includes('/api/shared_')) refetches.push(r.url());
    if (r.url().endsWith('.wasm')) wasm.push(r.url());
  });
  await view.goto(path!);
  await expect(view.getByTestId('tree-name')).toHaveText('Shared bets');
  await expect(view.getByRole('treeitem')).toHaveCount(8);
  await expect(view.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(view.getByText('Sharer')).toHaveCount(0);
  // Hydrating draws nothing: the code of folding and search (layout, markup) loads on first use.
  expect(wasm.filter((url) => url.includes('model_in_page'))).toEqual([]);

  // Collapse and search work there too, without writing anything.
  const outcome = view.getByRole('treeitem').filter({ hasText: 'A customer outcome that moves it' });
  await outcome.locator('.node-toggle').click();
  await expect(view.getByRole('treeitem')).toHaveCount(5);
  expect(wasm.filter((url) => url.includes('model_in_page'))).toHaveLength(1);
  await expect(outcome).toContainText('+3 hidden');
  // The boxes are redrawn on a fold; the toggle keeps the focus, so the keyboard goes on.
  await expect(outcome.locator('.node-toggle')).toBeFocused();
  await view.keyboard.press('Enter');
  await expect(view.getByRole('treeitem')).toHaveCount(8);
  await expect(outcome.locator('.node-toggle')).toBeFocused();
  await view.keyboard.press('Enter');
  await expect(view.getByRole('treeitem')).toHaveCount(5);
  await view.getByTestId('search-input').fill('must be true');
  await expect(view.getByTestId('search-count')).toHaveText('1 found');
  await expect(view.getByRole('treeitem')).toHaveCount(8);
  await expect(view.locator('.node.match')).toContainText('What must be true');
  expect(refetches).toEqual([]);
  await view.reload();
  await expect(view.getByRole('treeitem')).toHaveCount(8);

  // And with JavaScript off: drawn by the server.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const plainPage = await plain.newPage();
  await plainPage.goto(path!);
  await expect(plainPage.getByRole('treeitem')).toHaveCount(8);
  await expect(plainPage.getByText('The objective this tree serves')).toBeVisible();

  // Revoked: a 404 at once.
  await page.getByTestId('revoke-share-link').click();
  await expect(page.getByTestId('share-links')).toContainText('revoked');
  const response = await view.goto(path!);
  expect(response!.status()).toBe(404);
  await expect(view.getByText('Page not found')).toBeVisible();
  await stranger.close();
  await plain.close();
});

test('export SVG, PNG, JSON and Markdown; the JSON re-imports to the same tree', async ({ page, browser }) => {
  const fs = await import('node:fs/promises');
  const email = `export-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto('/signup');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Exporter');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('New tree').fill('Export me');
  await page.getByTestId('start-from').selectOption({ label: 'Starter: opportunity solution tree' });
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const treeId = Number(page.url().split('/').pop());
  const origin = new URL(page.url()).origin;
  const exported = await (await page.request.post('/api/export_tree', { headers: { Origin: origin }, form: { tree_id: String(treeId) } })).json();
  const titles: string[] = exported.nodes.map((n: any) => n.title);
  expect(titles.length).toBe(10);

  const save = async (p: typeof page, testId: string) => {
    await p.getByTestId('export-menu').locator('summary').click();
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId(testId).click()]);
    const file = await download.path();
    await p.getByTestId('export-menu').locator('summary').click();
    return { name: download.suggestedFilename(), bytes: await fs.readFile(file!) };
  };

  // JSON from the editor: re-imports to an identical tree.
  const json = await save(page, 'export-json');
  expect(json.name).toBe('export-me.json');
  const document = JSON.parse(json.bytes.toString('utf8'));
  const imported = await page.request.post('/api/import_tree', { headers: { Origin: origin }, data: { document } });
  expect(imported.status(), await imported.text()).toBe(200);
  const again = await (await page.request.post('/api/export_tree', { headers: { Origin: origin }, form: { tree_id: String((await imported.json()).id) } })).json();
  const shape = (doc: any) => {
    const byId = new Map(doc.nodes.map((n: any) => [n.id, n]));
    return doc.nodes.map((n: any) => [n.type, n.title, n.parentId ? (byId.get(n.parentId) as any).title : null, JSON.stringify(n.templateData ?? {})]);
  };
  expect(shape(again)).toEqual(shape(exported));

  // The same file through the dashboard's import form.
  const jsonFile = `${test.info().outputPath('export-me.json')}`;
  await fs.writeFile(jsonFile, json.bytes);
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByText('Import a Markdown outline or a JSON tree document').click();
  await page.getByTestId('import-file').setInputFiles(jsonFile);
  await expect(page.getByLabel(/Outline/)).toHaveValue(/"nodes"/);
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  await expect(page.getByTestId('tree-name')).toHaveText('Export me');
  await expect(page.locator('.muted', { hasText: '10 nodes' })).toBeVisible();
  await page.goto(`/trees/${treeId}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  // SVG, PNG and Markdown from the share page, logged out.
  await page.getByTestId('open-share').click();
  await page.getByTestId('create-share-link').click();
  const path = await page.getByTestId('share-url').getAttribute('href');
  const stranger = await browser.newContext({ acceptDownloads: true });
  const view = await stranger.newPage();
  await view.goto(path!);
  await expect(view.locator('body')).toHaveAttribute('data-hydrated', 'true');

  const svg = await save(view, 'export-svg');
  const svgText = svg.bytes.toString('utf8');
  const parsed = await view.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      error: doc.getElementsByTagName('parsererror').length,
      width: Number(doc.documentElement.getAttribute('width')),
      height: Number(doc.documentElement.getAttribute('height')),
      text: doc.documentElement.textContent,
    };
  }, svgText);
  expect(parsed.error).toBe(0);
  for (const title of titles) expect(parsed.text).toContain(title.split(' ').slice(0, 3).join(' '));

  await view.getByTestId('export-menu').locator('summary').click();
  await view.getByTestId('png-scale').selectOption('2');
  await view.getByTestId('export-menu').locator('summary').click();
  const png = await save(view, 'export-png');
  expect(png.bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
  expect(png.bytes.readUInt32BE(16)).toBe(Math.round(parsed.width * 2));
  expect(png.bytes.readUInt32BE(20)).toBe(Math.round(parsed.height * 2));

  // The page holds only what it draws; its JSON export fetches the whole tree, template fields too.
  const sharedJson = JSON.parse((await save(view, 'export-json')).bytes.toString('utf8'));
  expect(shape(sharedJson)).toEqual(shape(exported));

  const md = (await save(view, 'export-md')).bytes.toString('utf8');
  for (const title of titles) expect(md).toContain(title);
  await stranger.close();
});

test('the editor: no links yet, Escape closes the share dialog; every export from the editor', async ({ page }) => {
  const fs = await import('node:fs/promises');
  const email = `plain-share-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto('/signup');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Plain sharer');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('New tree').fill('Plain <share>');
  await page.getByTestId('start-from').selectOption({ label: 'Starter: opportunity solution tree' });
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  const treeId = Number(page.url().split('/').pop());
  await page.goto(`/trees/${treeId}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  // Share: a link made, listed, revoked; Escape closes the dialog.
  await page.getByTestId('open-share').click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('No links yet.');
  await page.getByTestId('create-share-link').click();
  const path = await page.getByTestId('share-url').getAttribute('href');
  expect(path).toMatch(/^\/s\/[0-9a-f]{64}$/);
  await expect(page.getByTestId('share-links').locator('li')).toHaveCount(1);
  expect((await page.request.get(path!)).status()).toBe(200);
  await page.getByTestId('revoke-share-link').click();
  await expect(page.getByTestId('share-links')).toContainText('revoked');
  expect((await page.request.get(path!)).status()).toBe(404);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Exports: the same files the share page makes, from the editor's own copy of the tree.
  const origin = new URL(page.url()).origin;
  const exported = await (await page.request.post('/api/export_tree', { headers: { Origin: origin }, form: { tree_id: String(treeId) } })).json();
  const titles: string[] = exported.nodes.map((n: any) => n.title);
  const save = async (testId: string) => {
    await page.getByTestId('export-menu').locator('summary').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    const file = await download.path();
    await page.getByTestId('export-menu').locator('summary').click();
    return { name: download.suggestedFilename(), bytes: await fs.readFile(file!) };
  };
  const json = await save('export-json');
  expect(json.name).toBe('plain-share.json');
  const shape = (doc: any) => doc.nodes.map((n: any) => [n.type, n.title, JSON.stringify(n.templateData ?? {})]);
  expect(shape(JSON.parse(json.bytes.toString('utf8')))).toEqual(shape(exported));
  const md = (await save('export-md')).bytes.toString('utf8');
  for (const title of titles) expect(md).toContain(title);
  const svg = (await save('export-svg')).bytes.toString('utf8');
  const width = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return doc.getElementsByTagName('parsererror').length ? -1 : Number(doc.documentElement.getAttribute('width'));
  }, svg);
  expect(width).toBeGreaterThan(0);
  await page.getByTestId('export-menu').locator('summary').click();
  await page.getByTestId('png-scale').selectOption('3');
  await page.getByTestId('export-menu').locator('summary').click();
  const png = await save('export-png');
  expect(png.bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
  expect(png.bytes.readUInt32BE(16)).toBe(Math.round(width * 3));
});
