-- Remit for Neovim: starts the Remit language server (`remit lsp`) for
-- `remit` buffers.
--
--   require('remit').setup({
--     cmd = { 'remit', 'lsp' },       -- or server_path = '/path/to/remit'
--     root_dir = nil,                 -- string, or function(fname) -> dir
--     on_attach = function(client, bufnr) end, -- after the plugin's own:
--                                     -- omnifunc = v:lua.vim.lsp.omnifunc
--     capabilities = nil,
--     settings = {},
--     treesitter = false,             -- true: highlight with the tree-sitter
--                                     -- parser `remit` when one is installed
--   })
--
-- Neovim 0.11+ uses `vim.lsp.config` + `vim.lsp.enable`. Older versions
-- (down to 0.7) start one client per root directory with
-- `vim.lsp.start_client` and attach each buffer with `vim.lsp.buf_attach_client`.

local M = {}

M.name = 'remit'

local defaults = {
  server_path = 'remit',
  cmd = nil, -- defaults to { server_path, 'lsp' }
  filetypes = { 'remit' },
  root_markers = { '.git' },
  root_dir = nil,
  on_attach = nil,
  capabilities = nil,
  settings = {},
  init_options = nil,
  treesitter = false,
}

M.config = nil

-- Fallback path only: root directory -> client id.
local clients_by_root = {}
local augroup = nil

local function has_native_config()
  return vim.lsp.config ~= nil and vim.lsp.enable ~= nil and vim.fn.has('nvim-0.11') == 1
end

local function notify(msg, level)
  vim.schedule(function()
    vim.notify('remit: ' .. msg, level or vim.log.levels.INFO)
  end)
end

local function dirname(path)
  return vim.fn.fnamemodify(path, ':h')
end

local warned_not_executable = false

--- Says once per setup() that the server cannot be found, instead of
--- failing on every buffer.
local function warn_not_executable()
  if warned_not_executable then
    return
  end
  warned_not_executable = true
  notify(
    ('`%s` is not executable, so there is no language server; install it '
      .. '(cargo install --path crates/remit-cli) or pass '
      .. 'setup({ cmd = { "/path/to/remit", "lsp" } })'):format(M.config.cmd[1]),
    vim.log.levels.WARN
  )
end

--- The workspace root for a file: `opts.root_dir` if given, else the
--- nearest ancestor holding a root marker (`.git`), else the file's own
--- directory (a Remit policy is a directory of `.remit` files).
local function resolve_root(fname)
  local cfg = M.config
  if type(cfg.root_dir) == 'string' then
    return cfg.root_dir
  elseif type(cfg.root_dir) == 'function' then
    local ok, dir = pcall(cfg.root_dir, fname)
    if ok and dir then
      return dir
    end
  end
  local start = dirname(fname)
  if start == '' or start == '.' then
    start = vim.fn.getcwd()
  end
  for _, marker in ipairs(cfg.root_markers or {}) do
    local dir = vim.fn.finddir(marker, start .. ';')
    if dir ~= '' then
      return vim.fn.fnamemodify(dir, ':p:h:h') -- `/a/b/.git/` -> `/a/b`
    end
    local file = vim.fn.findfile(marker, start .. ';')
    if file ~= '' then
      return vim.fn.fnamemodify(file, ':p:h')
    end
  end
  return start
end

local function get_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = M.name })
  end
  local out = {}
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == M.name then
      table.insert(out, client)
    end
  end
  return out
end

--- What every Remit buffer gets once the server is attached (and
--- initialized), before the user's `on_attach`: `omnifunc` completion from
--- the server (Neovim sets it by itself only from 0.10), unless the buffer
--- already has an `omnifunc`.
function M.on_attach(client, bufnr)
  if vim.bo[bufnr].omnifunc == '' then
    vim.bo[bufnr].omnifunc = 'v:lua.vim.lsp.omnifunc'
  end
  if M.config and M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

--- The client config shared by both paths.
local function client_config(root)
  local cfg = M.config
  local conf = {
    name = M.name,
    cmd = cfg.cmd,
    filetypes = cfg.filetypes,
    on_attach = M.on_attach,
    capabilities = cfg.capabilities or vim.lsp.protocol.make_client_capabilities(),
    settings = cfg.settings,
    init_options = cfg.init_options,
  }
  if root then
    conf.root_dir = root
    conf.workspace_folders = {
      { uri = vim.uri_from_fname(root), name = root },
    }
  end
  return conf
end

-- ------------------------------------------------------------ Neovim 0.11+

local function setup_native()
  local conf = client_config(nil)
  conf.root_dir = function(bufnr, on_dir)
    on_dir(resolve_root(vim.api.nvim_buf_get_name(bufnr)))
  end
  vim.lsp.config(M.name, conf)
  vim.lsp.enable(M.name)
end

-- ------------------------------------------------------------ Neovim 0.7 - 0.10

local function client_alive(id)
  local client = id and vim.lsp.get_client_by_id(id)
  if not client then
    return false
  end
  if type(client.is_stopped) == 'function' then
    return not client.is_stopped()
  end
  return true
end

--- Attaches `bufnr` to the client of its root, starting that client first
--- if needed. Returns the client id, or nil when the server cannot start.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if has_native_config() then
    return nil -- vim.lsp.enable attaches by itself
  end
  local fname = vim.api.nvim_buf_get_name(bufnr)
  local root = resolve_root(fname ~= '' and fname or vim.fn.getcwd() .. '/untitled.remit')
  local id = clients_by_root[root]
  if not client_alive(id) then
    local conf = client_config(root)
    if vim.fn.executable(conf.cmd[1]) ~= 1 then
      warn_not_executable()
      return nil
    end
    local ok, result = pcall(vim.lsp.start_client, conf)
    if not ok or not result then
      notify(
        ('cannot start the language server `%s`: %s'):format(
          table.concat(conf.cmd, ' '),
          ok and 'vim.lsp.start_client returned nothing' or tostring(result)
        ),
        vim.log.levels.ERROR
      )
      return nil
    end
    id = result
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function setup_fallback()
  augroup = vim.api.nvim_create_augroup('remit_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = augroup,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Buffers that were already open when setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr)
      and vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype)
    then
      M.attach(bufnr)
    end
  end
end

-- ------------------------------------------------------------ restart

--- Stops every Remit client and starts them again for the open buffers.
function M.restart()
  local ids = {}
  for _, client in ipairs(get_clients()) do
    table.insert(ids, client.id)
  end
  if #ids > 0 then
    vim.lsp.stop_client(ids)
  end
  clients_by_root = {}
  -- Give the old server a moment to exit before the new one starts.
  vim.defer_fn(function()
    if has_native_config() then
      vim.lsp.enable(M.name, false)
      vim.lsp.enable(M.name, true)
      if vim.v.vim_did_enter ~= 1 then
        -- vim.lsp.enable only re-attaches open buffers after VimEnter.
        pcall(vim.cmd, 'doautoall nvim.lsp.enable FileType')
      end
    else
      for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
        if vim.api.nvim_buf_is_loaded(bufnr)
          and vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype)
        then
          M.attach(bufnr)
        end
      end
    end
    notify('language server restarted')
  end, 500)
end

-- ------------------------------------------------------------ setup

--- The command behind a rule's "N tests" code lens (`remit.showTests`,
--- arguments: document URI, lens position, test locations): the tests go
--- to the quickfix list.
local function show_tests(command)
  local locations = (command.arguments or {})[3] or {}
  if #locations == 0 then
    notify('no test exercises this rule')
    return
  end
  local items = vim.lsp.util.locations_to_items(locations, 'utf-16')
  vim.fn.setqflist({}, ' ', { title = 'remit: tests of this rule', items = items })
  vim.cmd('copen')
end

function M.setup(opts)
  opts = opts or {}
  vim.lsp.commands['remit.showTests'] = show_tests
  local cfg = vim.tbl_deep_extend('force', {}, defaults, opts)
  if opts.cmd then
    cfg.cmd = opts.cmd -- a list: replace, never merge element-wise
  end
  if not cfg.cmd then
    cfg.cmd = { cfg.server_path, 'lsp' }
  end
  if opts.root_markers then
    cfg.root_markers = opts.root_markers
  end
  if opts.filetypes then
    cfg.filetypes = opts.filetypes
  end
  M.config = cfg

  warned_not_executable = false
  if vim.fn.executable(cfg.cmd[1]) ~= 1 then
    warn_not_executable()
  end

  if has_native_config() then
    setup_native()
  else
    setup_fallback()
  end

  if cfg.treesitter then
    -- Highlight with tree-sitter where a `remit` parser and its queries are
    -- installed (see README.md); otherwise syntax/remit.vim stays in charge.
    local ts_group = vim.api.nvim_create_augroup('remit_treesitter', { clear = true })
    vim.api.nvim_create_autocmd('FileType', {
      group = ts_group,
      pattern = cfg.filetypes,
      callback = function(args)
        if vim.treesitter and vim.treesitter.start then
          pcall(vim.treesitter.start, args.buf, 'remit')
        end
      end,
    })
  end

  pcall(vim.api.nvim_del_user_command, 'RemitRestart')
  vim.api.nvim_create_user_command('RemitRestart', function()
    M.restart()
  end, { desc = 'Restart the Remit language server' })
end

return M
