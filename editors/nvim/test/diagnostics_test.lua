-- Headless end-to-end test of the Neovim plugin against the real server:
-- opens test/fixture/broken.remit (a rule that permits an undeclared role),
-- lets the plugin start `$REMIT_BIN lsp`, and waits for the server's
-- textDocument/publishDiagnostics to name the unknown role on its line.
--
-- Run it through test/run.sh:
--   REMIT_BIN=/path/to/remit editors/nvim/test/run.sh
-- It prints one PASS or FAIL line and exits 0 or 1.

local TIMEOUT_MS = 20000
local UNKNOWN = 'ghost_clerk'

local function out(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end

local function finish(ok, msg)
  -- (Neovim may have left a message without a newline on stdout.)
  out('\n' .. (ok and 'PASS' or 'FAIL') .. ': nvim diagnostics test: ' .. msg)
  -- Stop the server politely, then leave with the verdict as exit code.
  pcall(function()
    local ids = {}
    local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
    for _, client in pairs(all) do
      table.insert(ids, client.id)
    end
    if #ids > 0 then
      vim.lsp.stop_client(ids)
      vim.wait(2000, function()
        local left = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
        return next(left) == nil
      end, 50)
    end
  end)
  if ok then
    vim.cmd('qall!')
  else
    vim.cmd('cquit 1')
  end
end

--- With the real server (REMIT_NVIM_FEATURES=1): hover over the action of
--- the broken rule, jump to its declaration, and format the buffer, each
--- through Neovim's own LSP client.
local function check_features(bufnr, client, lnum)
  if client == nil then
    return false, 'no `remit` client to ask for hover'
  end
  local line = vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, false)[1]
  local col = line:find('refund', 1, true) - 1
  local position = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = lnum, character = col },
  }
  local hover = client.request_sync('textDocument/hover', position, 5000, bufnr)
  local contents = hover and hover.result and hover.result.contents
  local text = type(contents) == 'table' and contents.value or tostring(contents)
  if not (text and text:find('action refund(amount: Money)', 1, true)) then
    return false, 'hover over `refund` did not show its declaration: ' .. vim.inspect(hover)
  end
  local definition = client.request_sync('textDocument/definition', position, 5000, bufnr)
  local target = definition and definition.result
  if target and target[1] then
    target = target[1]
  end
  local declared = nil
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if l:find('^action refund') then
      declared = i - 1
    end
  end
  if not (target and target.range and target.range.start.line == declared) then
    return false, ('definition of `refund` is not line %s: %s'):format(tostring(declared), vim.inspect(definition))
  end
  local formatting = client.request_sync('textDocument/formatting', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    options = { tabSize = 2, insertSpaces = true },
  }, 5000, bufnr)
  if not (formatting and formatting.err == nil and type(formatting.result) == 'table' and #formatting.result == 0) then
    return false, 'formatting the canonical fixture should give no edits: ' .. vim.inspect(formatting)
  end
  return true, 'hover, definition (line ' .. (declared + 1) .. ') and formatting answered'
end

local function run()
  -- This file is <plugin>/test/diagnostics_test.lua.
  local this = debug.getinfo(1, 'S').source:gsub('^@', '')
  local test_dir = vim.fn.fnamemodify(this, ':p:h')
  local plugin_dir = vim.fn.fnamemodify(test_dir, ':h')
  local fixture_dir = test_dir .. '/fixture'
  local fixture = fixture_dir .. '/broken.remit'

  local remit_bin = os.getenv('REMIT_BIN')
  if remit_bin == nil or remit_bin == '' then
    remit_bin = 'remit'
  end
  if vim.fn.executable(remit_bin) ~= 1 then
    return finish(false, ('REMIT_BIN `%s` is not an executable'):format(remit_bin))
  end

  -- The plugin, as a user would have it: on the runtimepath, with filetype
  -- detection on (-u NONE leaves it off).
  vim.opt.runtimepath:prepend(plugin_dir)
  vim.cmd('filetype plugin indent on')
  vim.cmd('syntax on')

  local ok, remit = pcall(require, 'remit')
  if not ok then
    return finish(false, 'require("remit") failed: ' .. tostring(remit))
  end
  -- The README's on_attach: keymaps, and code lenses refreshed once the
  -- server is initialized.
  local user_attached = nil
  local setup_ok, setup_err = pcall(remit.setup, {
    cmd = { remit_bin, 'lsp' },
    root_dir = fixture_dir,
    on_attach = function(_, attached_buf)
      user_attached = attached_buf
      vim.keymap.set('n', 'K', vim.lsp.buf.hover, { buffer = attached_buf, desc = 'remit: hover' })
      vim.keymap.set('n', 'gd', vim.lsp.buf.definition, { buffer = attached_buf, desc = 'remit: go to definition' })
      vim.keymap.set('n', '<leader>ca', vim.lsp.buf.code_action, { buffer = attached_buf, desc = 'remit: code action' })
      vim.api.nvim_buf_call(attached_buf, function()
        vim.lsp.codelens.refresh()
      end)
    end,
  })
  if not setup_ok then
    return finish(false, 'setup() failed: ' .. tostring(setup_err))
  end

  vim.cmd('edit ' .. vim.fn.fnameescape(fixture))
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype ~= 'remit' then
    return finish(false, ('filetype of %s is `%s`, expected `remit`'):format(fixture, vim.bo[bufnr].filetype))
  end

  -- The line (0-based, as in LSP and vim.diagnostic) of the deliberate error.
  local expected_lnum = nil
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:find('permit%s+' .. UNKNOWN) then
      expected_lnum = i - 1
      break
    end
  end
  if expected_lnum == nil then
    return finish(false, 'the fixture has no `permit ' .. UNKNOWN .. '` line')
  end

  local function attached()
    local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr })
      or vim.lsp.buf_get_clients(bufnr)
    for _, client in pairs(clients) do
      if client.name == 'remit' then
        return client
      end
    end
    return nil
  end

  local function matching()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.lnum == expected_lnum and d.message:find(UNKNOWN, 1, true) then
        return d
      end
    end
    return nil
  end

  local found = nil
  vim.wait(TIMEOUT_MS, function()
    found = matching()
    return found ~= nil
  end, 100)

  if found then
    local summary = ('line %d: %s'):format(found.lnum + 1, (found.message:gsub('\n', ' ')))
    -- The plugin's own on_attach (omnifunc), then the user's.
    vim.wait(5000, function()
      return user_attached ~= nil
    end, 50)
    if user_attached ~= bufnr then
      return finish(false, 'the on_attach given to setup() did not run for the buffer')
    end
    if vim.bo[bufnr].omnifunc ~= 'v:lua.vim.lsp.omnifunc' then
      return finish(false, ('omnifunc is `%s`, expected `v:lua.vim.lsp.omnifunc`'):format(vim.bo[bufnr].omnifunc))
    end
    summary = summary .. '; omnifunc set, on_attach ran'
    if os.getenv('REMIT_NVIM_FEATURES') == '1' then
      -- The code lenses the on_attach asked for (the fixture's one rule
      -- gets "0 tests").
      local lensed = vim.wait(10000, function()
        return #vim.lsp.codelens.get(bufnr) > 0
      end, 100)
      if not lensed then
        return finish(false, 'no code lenses after refreshing them from on_attach')
      end
      summary = summary .. ', code lenses: ' .. #vim.lsp.codelens.get(bufnr)
      local feature_ok, feature_msg = check_features(bufnr, attached(), expected_lnum)
      if not feature_ok then
        return finish(false, feature_msg)
      end
      summary = summary .. '; ' .. feature_msg
    end
    return finish(true, summary)
  end

  -- Explain the failure as precisely as possible.
  local client = attached()
  local lines = {}
  if client == nil then
    table.insert(lines, 'no `remit` client is attached to the buffer (did `' .. remit_bin .. ' lsp` start?)')
  elseif not client.initialized and client.initialized ~= nil then
    table.insert(lines, 'the `remit` client never finished initialize')
  end
  local diags = vim.diagnostic.get(bufnr)
  table.insert(
    lines,
    ('no diagnostic on line %d mentions `%s` after %d ms; got %d diagnostic(s)'):format(
      expected_lnum + 1,
      UNKNOWN,
      TIMEOUT_MS,
      #diags
    )
  )
  for _, d in ipairs(diags) do
    table.insert(lines, ('  line %d col %d: %s'):format(d.lnum + 1, d.col + 1, d.message:gsub('\n', ' ')))
  end
  table.insert(lines, '  (LSP log: ' .. vim.lsp.get_log_path() .. ')')
  return finish(false, table.concat(lines, '\n'))
end

local ok, err = pcall(run)
if not ok then
  out('FAIL: nvim diagnostics test: error: ' .. tostring(err))
  vim.cmd('cquit 1')
end
