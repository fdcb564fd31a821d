# frozen_string_literal: true

# Checks a rendered Homebrew formula of ascert without Homebrew. Stand-ins for the part of
# Homebrew's Formula DSL the formula may use record what it declares (a call to anything else fails
# the check, so a new DSL call gets a stand-in and an assertion here); then:
#
# - desc, homepage, version and license are set; the macOS arm and intel blocks each hold the URL of
#   their archive of vVERSION and that archive's hash in SHA256SUMS; it depends on macOS;
# - the install method installs `ascert` into bin, and the test block runs `ascert --version` and
#   matches `ascert VERSION`.
#
# With ARCHIVES, a folder holding the archives (by their URLs' file names), it goes further, as
# `brew install` and `brew test` would: each archive is taken from there, checked against the
# formula's sha256, unpacked, its top-level folder entered, the install method run into a temporary
# prefix, and the test block run against the installed binary. `cargo xtask release-check` passes a
# folder whose macOS-named archives hold the host's binary; release.yml's publish job, on Linux,
# cannot run the real macOS binaries and passes none.
#
# Usage: ruby check_formula.rb FORMULA SHA256SUMS VERSION [ARCHIVES]

require "digest"
require "fileutils"
require "tmpdir"

# A failed check: the message is printed and the exit status is 1.
class CheckFailed < StandardError; end

def check(condition, message)
  raise CheckFailed, message unless condition
end

# Homebrew's `bin`: a path that installs files into itself.
class BinPath
  attr_reader :installed

  def initialize(path, copy)
    @path = path
    @copy = copy
    @installed = []
  end

  def to_s
    @path
  end

  def install(*files)
    files.each do |file|
      check(file.is_a?(String), "bin.install takes file names here, not #{file.inspect}")
      @installed << file
      next unless @copy

      check(File.file?(file), "bin.install #{file.inspect}: the archive's folder has no such file")
      FileUtils.mkdir_p(@path)
      FileUtils.cp(file, File.join(@path, File.basename(file)))
      File.chmod(0o755, File.join(@path, File.basename(file)))
    end
  end
end

# The stand-in for Homebrew's Formula class.
class Formula
  @formulae = []

  class << self
    attr_reader :formulae

    def inherited(subclass)
      super
      Formula.formulae << subclass
    end

    def spec
      @spec ||= { urls: {}, sha256s: {}, depends_on: [], context: [] }
    end

    def desc(text)
      spec[:desc] = text
    end

    def homepage(url)
      spec[:homepage] = url
    end

    def version(text = nil)
      spec[:version] = text unless text.nil?
      spec[:version]
    end

    def license(expression)
      spec[:license] = expression
    end

    def url(address, **_options)
      spec[:urls][spec[:context].dup] = address
    end

    def sha256(hash)
      spec[:sha256s][spec[:context].dup] = hash
    end

    def depends_on(dependency)
      spec[:depends_on] << dependency
    end

    def test(&block)
      spec[:test] = block
    end

    %i[on_macos on_linux on_arm on_intel].each do |name|
      define_method(name) do |&block|
        spec[:context].push(name)
        block.call
        spec[:context].pop
      end
    end

    def method_missing(name, *_args)
      raise CheckFailed, "the formula calls #{name}, which check_formula.rb has no stand-in for"
    end

    def respond_to_missing?(_name, _include_private = false)
      false
    end
  end

  def initialize(prefix, copy:)
    @bin = BinPath.new(File.join(prefix, "bin"), copy)
    @copy = copy
    @commands = []
  end

  attr_reader :bin, :commands

  def version
    self.class.version
  end

  # Homebrew runs the command in a shell and asserts its exit status; the stand-in runs it for
  # real when the formula was installed from an archive, and otherwise answers as ascert would.
  def shell_output(command, status = 0)
    @commands << command
    return "ascert #{version}\n" unless @copy

    output = `#{command}`
    check($?.exitstatus == status, "`#{command}` exited #{$?.exitstatus}, not #{status}")
    output
  end

  def assert_match(pattern, text)
    pattern = Regexp.new(Regexp.escape(pattern)) if pattern.is_a?(String)
    check(pattern.match?(text), "the test expected #{pattern.inspect} in #{text.inspect}")
  end
end

ARCHES = { on_arm: "aarch64-apple-darwin", on_intel: "x86_64-apple-darwin" }.freeze

def sha256sums(path)
  File.readlines(path, chomp: true).each_with_object({}) do |line, sums|
    hash, name = line.split(/ [ *]/, 2)
    sums[name] = hash unless name.nil?
  end
end

# Runs the install method inside FOLDER (the archive's top-level folder, as brew does) into PREFIX,
# then the test block; returns the formula instance.
def install_and_test(klass, folder, prefix, copy:)
  formula = klass.new(prefix, copy: copy)
  Dir.chdir(folder) { formula.install }
  check(formula.bin.installed == ["ascert"],
        "the install method installs #{formula.bin.installed.inspect} into bin, not [\"ascert\"]")
  if copy
    binary = File.join(formula.bin.to_s, "ascert")
    check(File.executable?(binary), "the install left no executable #{binary}")
  end
  formula.instance_exec(&klass.spec[:test])
  check(formula.commands == ["#{formula.bin}/ascert --version"],
        "the test block runs #{formula.commands.inspect}, not `ascert --version`")
  formula
end

def run(formula_path, sums_path, version, archives)
  load File.expand_path(formula_path)
  check(Formula.formulae.map(&:name) == ["Ascert"],
        "the file defines #{Formula.formulae.map(&:name).inspect}, not one formula Ascert")
  klass = Formula.formulae.first
  spec = klass.spec
  check(spec[:desc].is_a?(String) && !spec[:desc].empty?, "desc is missing")
  check(spec[:homepage] == "https://github.com/ascert/ascert", "homepage is #{spec[:homepage].inspect}")
  check(spec[:version] == version, "version is #{spec[:version].inspect}, not #{version.inspect}")
  check(spec[:license] == { any_of: ["MIT", "Apache-2.0"] },
        "license is #{spec[:license].inspect}, not any_of MIT, Apache-2.0")
  check(spec[:depends_on] == [:macos], "depends_on is #{spec[:depends_on].inspect}, not [:macos]")
  check(spec[:test].is_a?(Proc), "the formula has no test block")
  check(klass.method_defined?(:install, false), "the formula has no install method")

  sums = sha256sums(sums_path)
  expected = ARCHES.keys.map { |arch| [:on_macos, arch] }
  check(spec[:urls].keys.sort == expected.sort,
        "the formula has URLs for #{spec[:urls].keys.inspect}, not exactly on_macos/on_arm and on_intel")
  check(spec[:sha256s].keys.sort == expected.sort,
        "the formula has sha256 for #{spec[:sha256s].keys.inspect}, not exactly on_macos/on_arm and on_intel")
  ARCHES.each do |arch, target|
    asset = "ascert-#{target}.tar.gz"
    url = spec[:urls][[:on_macos, arch]]
    want = "https://github.com/ascert/ascert/releases/download/v#{version}/#{asset}"
    check(url == want, "#{arch}: url is #{url.inspect}, not #{want.inspect}")
    check(sums.key?(asset), "SHA256SUMS has no line for #{asset}")
    check(spec[:sha256s][[:on_macos, arch]] == sums[asset],
          "#{arch}: sha256 is #{spec[:sha256s][[:on_macos, arch]].inspect}, SHA256SUMS says #{sums[asset]}")
  end

  Dir.mktmpdir do |tmp|
    if archives.nil?
      install_and_test(klass, tmp, File.join(tmp, "prefix"), copy: false)
      puts "#{formula_path}: the formula declares what SHA256SUMS holds (archives not installed)"
      next
    end
    ARCHES.each do |arch, target|
      archive = File.join(archives, File.basename(spec[:urls][[:on_macos, arch]]))
      check(File.file?(archive), "#{archive} is missing")
      actual = Digest::SHA256.file(archive).hexdigest
      check(actual == spec[:sha256s][[:on_macos, arch]],
            "#{archive} has SHA-256 #{actual}, the formula says #{spec[:sha256s][[:on_macos, arch]]}")
      unpacked = File.join(tmp, "src-#{target}")
      FileUtils.mkdir_p(unpacked)
      check(system("tar", "-xzf", archive, "-C", unpacked), "could not unpack #{archive}")
      top = Dir.children(unpacked)
      check(top == ["ascert-#{target}"], "#{archive} holds #{top.inspect}, not one folder ascert-#{target}")
      install_and_test(klass, File.join(unpacked, top.first), File.join(tmp, "prefix-#{target}"), copy: true)
    end
    puts "#{formula_path}: the formula declares what SHA256SUMS holds; both archives install and pass its test"
  end
end

if ARGV.length < 3 || ARGV.length > 4
  warn "usage: ruby check_formula.rb FORMULA SHA256SUMS VERSION [ARCHIVES]"
  exit 2
end
begin
  run(ARGV[0], ARGV[1], ARGV[2].delete_prefix("v"), ARGV[3])
rescue CheckFailed => e
  warn "check_formula.rb: #{e.message}"
  exit 1
end
