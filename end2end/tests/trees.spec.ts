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
