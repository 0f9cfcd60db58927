// ES module entry: `import interconnect from '@switchboard-iot/interconnect'`.
import api from './index.js'
export default api
export const { instance, configure, createConnection, codes } = api
