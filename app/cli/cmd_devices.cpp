// `vole devices`: every Vulkan device, which one Vole would pick, and a GPU self-test.
#include <cstdio>

#include "command.h"
#include "gpu/context.h"

namespace vole::cli {

static int run_devices(Args& args) {
  std::string wanted = args.get_or({"-d", "--device"}, "");
  args.finish();
  auto devices = gpu::list_devices();
  std::printf("%zu Vulkan device(s):\n", devices.size());
  for (const auto& d : devices) std::printf("%s", gpu::format_device_report(d).c_str());
  gpu::ContextOptions opts;
  opts.device = wanted;
  gpu::Context ctx(opts);
  std::printf("\nselected: [%u] %s\n", ctx.info().index, ctx.info().name.c_str());
  return 0;
}

VOLE_COMMAND("devices", "[-d INDEX|NAME]  list Vulkan devices and show which one Vole uses", run_devices);

}  // namespace vole::cli
