// `vole pull`, `vole models`, `vole rm`: the model manager on the command line
// (the same engine/hub code the desktop app drives).
#include <cstdio>

#include "arch/families.h"
#include "command.h"
#include "hub/catalog.h"
#include "hub/download_manager.h"
#include "hub/repo_id.h"
#include "hub/storage.h"

namespace vole::cli {

namespace {

std::string eta_text(std::optional<double> eta) {
  if (!eta) return "";
  long s = static_cast<long>(*eta + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, " ETA %ldm%02lds", s / 60, s % 60);
  return buf;
}

// A catalog id ("qwen3-0.6b"), a repo id or a model page URL. A repo's old name (an
// organisation renamed, e.g. UsefulSensors -> moonshine-ai) becomes its current one.
std::string resolve_model_name(const std::string& name) {
  if (const auto* entry = hub::builtin_catalog().find_id(name)) return entry->repo;
  std::string repo = hub::repo_id_from_input(name);
  if (const auto* entry = hub::builtin_catalog().find_repo(repo)) return entry->repo;
  return repo;
}

int run_pull(Args& args) {
  hub::DownloadRequest req;
  req.revision = args.get_or({"-r", "--revision"}, "main");
  if (args.flag("--vision")) req.features = req.features.with(hub::kVisionFeature);
  if (args.flag("--mtp")) req.features = req.features.with(hub::kMtpFeature);
  int64_t quota = args.get_int({"--quota"}, -1, 0, INT64_MAX);  // -1: not given
  auto names = args.positionals();
  args.finish();
  if (names.size() != 1) {
    std::fprintf(stderr, "usage: vole pull MODEL [--vision] [--mtp] [-r REVISION] [--quota BYTES]\n");
    return 2;
  }
  req.repo = resolve_model_name(names[0]);
  hub::ManagerOptions opts;
  opts.families = &arch::families();
  if (quota >= 0) opts.quota_bytes = static_cast<uint64_t>(quota);
  bool progress_line = false;  // events come in order on one thread
  hub::DownloadManager manager(opts, [&](const hub::JobEvent& e) {
    const auto& j = e.job;
    if (e.kind == hub::JobEvent::Kind::Progress) {
      progress_line = true;
      double pct = j.bytes_total ? 100.0 * j.bytes_done / j.bytes_total : 100.0;
      std::fprintf(stderr, "\r  %5.1f%%  %s / %s  %s/s%s      ", pct, hub::format_bytes(j.bytes_done).c_str(),
                   hub::format_bytes(j.bytes_total).c_str(),
                   hub::format_bytes(static_cast<uint64_t>(j.bytes_per_second)).c_str(), eta_text(j.eta_seconds).c_str());
    } else {
      std::fprintf(stderr, "%s%s: %s\n", progress_line ? "\n" : "", j.repo.c_str(), hub::job_state_name(j.state));
      progress_line = false;
    }
  });
  hub::JobId id = manager.start(req);
  hub::JobInfo info = manager.wait(id, std::chrono::hours(24 * 365));
  if (info.state != hub::JobState::Completed) {
    std::fprintf(stderr, "vole pull: %s: %s\n", hub::failure_name(info.failure), info.error.c_str());
    return 1;
  }
  std::printf("%s @ %s (%s) in %s: %s on disk, %s not downloaded\n", info.repo.c_str(), info.commit.substr(0, 12).c_str(),
              info.features.to_string().c_str(), info.model_dir.c_str(), hub::format_bytes(info.local_bytes).c_str(),
              hub::format_bytes(info.full_bytes > info.local_bytes ? info.full_bytes - info.local_bytes : 0).c_str());
  return 0;
}

int run_models(Args& args) {
  bool catalog = args.flag("--catalog");
  args.finish();
  if (catalog) {
    const auto& c = hub::builtin_catalog();
    for (const auto& m : c.models)
      std::printf("%-24s %-15s %-38s %-9s %-12s ~%s (text only ~%s)%s\n", m.id.c_str(), hub::model_kind_name(m.kind),
                  m.repo.c_str(), m.format.c_str(), m.features.to_string().c_str(),
                  hub::format_bytes(m.size_full_bytes).c_str(), hub::format_bytes(m.size_text_bytes).c_str(),
                  c.default_for(m.kind) == &m ? "  [default]" : "");
    return 0;
  }
  auto dir = hub::default_models_dir();
  for (const auto& m : hub::list_installed(dir)) {
    std::string features = m.manifest ? m.manifest->features.to_string() : "(placed by hand)";
    std::string saved = m.manifest ? ", " + hub::format_bytes(m.manifest->saved_bytes()) + " skipped" : "";
    std::printf("%-40s %-12s %10s%s%s%s\n", m.repo.c_str(), features.c_str(), hub::format_bytes(m.size_on_disk).c_str(),
                saved.c_str(), m.intact ? "" : "  [files missing or changed]",
                m.download_pending ? "  [download unfinished]" : "");
  }
  for (const auto& p : hub::list_pending(dir))
    std::printf("unfinished: %s (%s) - run `vole pull %s` to resume\n", p.repo.c_str(), p.features.to_string().c_str(),
                p.repo.c_str());
  auto report = hub::storage_report(dir);
  std::printf("\n%s: %s used by Vole, %s free of %s (default quota %s)\n", dir.c_str(),
              hub::format_bytes(report.used_bytes).c_str(), hub::format_bytes(report.disk.free).c_str(),
              hub::format_bytes(report.disk.total).c_str(), hub::format_bytes(hub::default_quota(dir)).c_str());
  return 0;
}

int run_rm(Args& args) {
  bool force = args.flag("--force");
  auto names = args.positionals();
  args.finish();
  if (names.size() != 1) {
    std::fprintf(stderr, "usage: vole rm MODEL [--force]\n");
    return 2;
  }
  std::string repo = resolve_model_name(names[0]);
  auto dir = hub::model_dir_for(hub::default_models_dir(), repo);
  if (hub::read_pending(dir) && !force) {
    // Another Vole process may be downloading it; this one cannot tell.
    std::fprintf(stderr, "vole rm: %s has an unfinished download (maybe running in the app); use --force\n",
                 repo.c_str());
    return 1;
  }
  hub::delete_model_files(hub::default_models_dir(), repo);
  std::printf("deleted %s\n", repo.c_str());
  return 0;
}

}  // namespace

VOLE_COMMAND("pull", "MODEL [--vision] [--mtp] [-r REV]  download a model (catalog id, owner/name or URL)", run_pull);
VOLE_COMMAND("models", "[--catalog]  installed models and disk use, or the built-in catalog", run_models);
VOLE_COMMAND("rm", "MODEL [--force]  delete an installed model", run_rm);

}  // namespace vole::cli
